"""Turn metrics: the engine's tool time per turn (simulated and phone calls record it alike).

Revision ID: 0018
Revises: 0011
Create Date: 2026-11-30
"""
from alembic import op

revision = "0018"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE turn_metrics ADD COLUMN tool_ms NUMERIC(10,2)")


def downgrade() -> None:
    op.execute("ALTER TABLE turn_metrics DROP COLUMN IF EXISTS tool_ms")
