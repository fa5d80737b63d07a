"""Admin API at scale: daily call rollups (dashboard, tactic performance), time indexes for today's figures.

Revision ID: 0008
Revises: 0001
Create Date: 2026-11-24
"""
from alembic import op

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- One row per UTC day × tactic × tactic version: finished days are rolled up once, so the dashboard and the
-- tactic performance report never scan the whole calls table. tactic_key/version_key 0 = none recorded.
CREATE TABLE call_daily_stats (
  day               DATE NOT NULL,
  tactic_key        BIGINT NOT NULL,
  version_key       INTEGER NOT NULL,
  calls             INTEGER NOT NULL,
  connected         INTEGER NOT NULL,
  right_party       INTEGER NOT NULL,
  verified          INTEGER NOT NULL,
  promised          INTEGER NOT NULL,
  ended             INTEGER NOT NULL,
  duration_sum_s    BIGINT NOT NULL,
  duration_n        INTEGER NOT NULL,
  arrangements      INTEGER NOT NULL,
  arrangement_total NUMERIC(16,2) NOT NULL,
  PRIMARY KEY (day, tactic_key, version_key)
);
CREATE INDEX call_daily_stats_tactic ON call_daily_stats (tactic_key, day);

-- Days up to and including finalized_through are in call_daily_stats; later days are computed live.
CREATE TABLE call_daily_stats_state (
  id                 BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
  finalized_through  DATE,
  refreshed_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO call_daily_stats_state (id, finalized_through) VALUES (true, NULL);

CREATE INDEX turn_metrics_recorded ON turn_metrics (recorded_at);
CREATE INDEX arrangements_created ON payment_arrangements (created_at);
CREATE INDEX calls_active ON calls (started_at DESC)
  WHERE status IN ('queued','initiated','ringing','in-progress');

-- Finer lexeme statistics: the call search chooses between the GIN index and a newest-first probe from the
-- planner's estimate of how many transcript entries match.
ALTER TABLE call_transcript_entries ALTER COLUMN text_search SET STATISTICS 1000;

GRANT SELECT, INSERT, UPDATE, DELETE ON call_daily_stats, call_daily_stats_state TO archer_app;
"""

DOWNGRADE = r"""
ALTER TABLE call_transcript_entries ALTER COLUMN text_search SET STATISTICS -1;
DROP INDEX IF EXISTS calls_active;
DROP INDEX IF EXISTS arrangements_created;
DROP INDEX IF EXISTS turn_metrics_recorded;
DROP TABLE IF EXISTS call_daily_stats_state;
DROP TABLE IF EXISTS call_daily_stats;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
