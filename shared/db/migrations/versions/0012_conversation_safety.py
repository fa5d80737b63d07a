"""Conversations that survive real callers: a sensitive-handling hold (distress), the kind of dispute (fraud,
already paid, validation), the written-validation request, and the customer's preferred language.

Revision ID: 0012
Revises: 0008
Create Date: 2026-11-30
"""
from alembic import op

revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE customers
  ADD COLUMN sensitive_hold_at       TIMESTAMPTZ,   -- distress on a call: no collection contact until a human clears it
  ADD COLUMN sensitive_hold_reason   TEXT,
  ADD COLUMN dispute_type            TEXT CHECK (dispute_type IN ('dispute', 'fraud', 'already_paid', 'validation')),
  ADD COLUMN validation_requested_at TIMESTAMPTZ,   -- written validation asked for (Reg F 1006.34)
  ADD COLUMN validation_sent_at      TIMESTAMPTZ,
  ADD COLUMN preferred_language      TEXT CHECK (preferred_language ~ '^[a-z]{2,3}$');
CREATE INDEX customers_sensitive_hold ON customers (sensitive_hold_at) WHERE sensitive_hold_at IS NOT NULL;
"""

DOWNGRADE = r"""
DROP INDEX IF EXISTS customers_sensitive_hold;
ALTER TABLE customers
  DROP COLUMN IF EXISTS preferred_language,
  DROP COLUMN IF EXISTS validation_sent_at,
  DROP COLUMN IF EXISTS validation_requested_at,
  DROP COLUMN IF EXISTS dispute_type,
  DROP COLUMN IF EXISTS sensitive_hold_reason,
  DROP COLUMN IF EXISTS sensitive_hold_at;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
