"""Quality report: latency measured from call recordings, reviewer ratings and transcript corrections.

Revision ID: 0014
Revises: 0008
Create Date: 2026-11-30
"""
from alembic import op

revision = "0014"
down_revision = "0008"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- One analysis per call's dual-channel recording (re-running it replaces the row and its gaps).
CREATE TABLE recording_analyses (
  call_id        UUID PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
  recording_sid  TEXT NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('analyzed','failed')),
  detail         TEXT CHECK (length(detail) <= 500),
  duration_ms    NUMERIC(12,2) CHECK (duration_ms >= 0),
  analyzed_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Per reply, as heard at the phone bridge: caller speech end -> agent audio start, offsets into the recording.
CREATE TABLE recording_turn_gaps (
  call_id               UUID NOT NULL REFERENCES recording_analyses(call_id) ON DELETE CASCADE,
  turn                  INTEGER NOT NULL CHECK (turn >= 0),
  caller_speech_end_ms  NUMERIC(12,2) NOT NULL CHECK (caller_speech_end_ms >= 0),
  agent_audio_start_ms  NUMERIC(12,2) NOT NULL CHECK (agent_audio_start_ms >= caller_speech_end_ms),
  gap_ms                NUMERIC(10,2) NOT NULL CHECK (gap_ms >= 0),
  PRIMARY KEY (call_id, turn)
);

-- A reviewer's ratings of a call (one row per reviewer and call; re-rating updates it).
CREATE TABLE call_ratings (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  call_id       UUID NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
  reviewer      TEXT NOT NULL CHECK (length(reviewer) BETWEEN 1 AND 200),
  naturalness   SMALLINT NOT NULL CHECK (naturalness BETWEEN 1 AND 10),
  latency_feel  SMALLINT NOT NULL CHECK (latency_feel BETWEEN 1 AND 10),
  overall       SMALLINT NOT NULL CHECK (overall BETWEEN 1 AND 10),
  comment       TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT call_ratings_reviewer UNIQUE (call_id, reviewer)
);
CREATE INDEX call_ratings_call ON call_ratings (call_id);
CREATE TRIGGER call_ratings_touch BEFORE UPDATE ON call_ratings FOR EACH ROW EXECUTE FUNCTION archer_touch_updated_at();

-- What a transcript line should have said; the original line is never changed.
CREATE TABLE transcript_corrections (
  call_id         UUID NOT NULL,
  seq             INTEGER NOT NULL,
  corrected_text  TEXT NOT NULL CHECK (length(corrected_text) BETWEEN 1 AND 4000),
  reviewer        TEXT NOT NULL CHECK (length(reviewer) BETWEEN 1 AND 200),
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (call_id, seq),
  FOREIGN KEY (call_id, seq) REFERENCES call_transcript_entries (call_id, seq) ON DELETE CASCADE
);
CREATE TRIGGER transcript_corrections_touch BEFORE UPDATE ON transcript_corrections
  FOR EACH ROW EXECUTE FUNCTION archer_touch_updated_at();

GRANT SELECT, INSERT, UPDATE, DELETE ON recording_analyses, recording_turn_gaps, call_ratings,
  transcript_corrections TO archer_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO archer_app;
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS transcript_corrections, call_ratings, recording_turn_gaps, recording_analyses CASCADE;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
