"""Pre-dial gate readings (COMPLIANCE §1): when the consumer asked for a callback, and every deny reason.

- callbacks.requested_at: when the consumer asked (the callback exemption window counts from that day).
- contact_attempts.callback_requested_at: the request time the gate decided a requested callback with, so later
  decisions know whether that past callback was inside its exemption window.
- contact_attempts.reasons: the codes of every rule that denied (reason_code stays the first / most important).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""
from alembic import op

revision = "0015"
down_revision = "0016"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE callbacks ADD COLUMN requested_at TIMESTAMPTZ;
UPDATE callbacks SET requested_at = created_at;
ALTER TABLE callbacks ALTER COLUMN requested_at SET DEFAULT now(), ALTER COLUMN requested_at SET NOT NULL;
ALTER TABLE contact_attempts ADD COLUMN callback_requested_at TIMESTAMPTZ,
  ADD COLUMN reasons TEXT[] NOT NULL DEFAULT '{}'::text[];
"""

DOWNGRADE = r"""
ALTER TABLE contact_attempts DROP COLUMN reasons, DROP COLUMN callback_requested_at;
ALTER TABLE callbacks DROP COLUMN requested_at;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
