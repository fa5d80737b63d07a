"""LLM token usage per turn: requests, prompt, cached prompt and completion tokens on turn_metrics.

Revision ID: 0016
Revises: 0012 (chained after the branches merged here; the lead re-chains: originally 0008)
Create Date: 2026-11-30
"""
from alembic import op

revision = "0016"
down_revision = "0012"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE turn_metrics
  ADD COLUMN llm_requests      INTEGER CHECK (llm_requests >= 0),
  ADD COLUMN prompt_tokens     INTEGER CHECK (prompt_tokens >= 0),
  ADD COLUMN cached_tokens     INTEGER CHECK (cached_tokens >= 0),
  ADD COLUMN completion_tokens INTEGER CHECK (completion_tokens >= 0);
"""

DOWNGRADE = r"""
ALTER TABLE turn_metrics
  DROP COLUMN IF EXISTS completion_tokens,
  DROP COLUMN IF EXISTS cached_tokens,
  DROP COLUMN IF EXISTS prompt_tokens,
  DROP COLUMN IF EXISTS llm_requests;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
