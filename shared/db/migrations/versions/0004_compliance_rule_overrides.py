"""Admin overrides of the compliance rule policy (tighten only; validated in shared.compliance.rules).

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-24
"""
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE compliance_rule_overrides (
  id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  jurisdiction   TEXT NOT NULL CHECK (jurisdiction = 'baseline' OR jurisdiction ~ '^(US|CA)-[A-Z]{2}$'),
  rule           JSONB NOT NULL CHECK (jsonb_typeof(rule) = 'object' AND rule <> '{}'::jsonb),
  reason         TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  approved_by    TEXT NOT NULL CHECK (length(approved_by) BETWEEN 1 AND 200),
  created_by     TEXT NOT NULL,
  effective_from TIMESTAMPTZ NOT NULL DEFAULT now(),
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  revoked_at     TIMESTAMPTZ,
  revoked_by     TEXT,
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX compliance_rule_overrides_active ON compliance_rule_overrides (effective_from) WHERE revoked_at IS NULL;
-- The pre-dial gate's batch reads recent allowed attempts per customer.
CREATE INDEX contact_attempts_allowed ON contact_attempts (customer_id, decided_at DESC) WHERE decision = 'allow';
GRANT SELECT, INSERT, UPDATE ON compliance_rule_overrides TO archer_app;
"""

DOWNGRADE = r"""
DROP INDEX IF EXISTS contact_attempts_allowed;
DROP TABLE IF EXISTS compliance_rule_overrides;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
