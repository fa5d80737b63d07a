"""Conversations that survive real callers: a sensitive-handling hold (distress), the kind of dispute (fraud,
already paid, validation), the written-validation request, and the customer's preferred language.

Revision ID: 0012
Revises: 0014
Create Date: 2026-11-30
"""
from alembic import op

revision = "0012"
down_revision = "0014"
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
-- New call outcomes: the safety and legal situations end a call with their own outcome.
ALTER TABLE calls DROP CONSTRAINT IF EXISTS calls_outcome_check;
ALTER TABLE calls ADD CONSTRAINT calls_outcome_check CHECK (outcome IN ('payment_arranged','promise_to_pay',
  'callback_scheduled','transferred','refused','disputed','cease_requested','attorney','bankruptcy','wrong_party',
  'verification_failed','voicemail','no_answer','busy','failed','hung_up','completed_no_arrangement','hardship',
  'fraud','already_paid','validation_requested','sensitive_hold','emergency'));
"""

DOWNGRADE = r"""
UPDATE calls SET outcome = 'disputed' WHERE outcome IN ('fraud', 'already_paid', 'validation_requested');
UPDATE calls SET outcome = 'completed_no_arrangement' WHERE outcome IN ('sensitive_hold', 'emergency');
ALTER TABLE calls DROP CONSTRAINT IF EXISTS calls_outcome_check;
ALTER TABLE calls ADD CONSTRAINT calls_outcome_check CHECK (outcome IN ('payment_arranged','promise_to_pay',
  'callback_scheduled','transferred','refused','disputed','cease_requested','attorney','bankruptcy','wrong_party',
  'verification_failed','voicemail','no_answer','busy','failed','hung_up','completed_no_arrangement','hardship'));
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
