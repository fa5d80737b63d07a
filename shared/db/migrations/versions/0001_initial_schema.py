"""Initial schema: customers, policies, tactics, calls and their children, workflows, compliance record.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE DOMAIN money_amount AS NUMERIC(12,2) CHECK (VALUE >= 0);
CREATE DOMAIN e164_phone AS TEXT CHECK (VALUE ~ '^\+[1-9][0-9]{6,14}$');

CREATE FUNCTION archer_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$;

-- Append-only tables: the compliance record must never be rewritten. Retention purges (audited) set
-- archer.retention_purge = 'on' for their own transaction; nothing else may UPDATE or DELETE.
CREATE FUNCTION archer_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('archer.retention_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TABLE collection_policies (
  id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name                   TEXT NOT NULL UNIQUE,
  is_default             BOOLEAN NOT NULL DEFAULT false,
  settlement_floor_pct   NUMERIC(5,2) NOT NULL CHECK (settlement_floor_pct > 0 AND settlement_floor_pct <= 100),
  settlement_anchor_pct  NUMERIC(5,2) NOT NULL CHECK (settlement_anchor_pct > 0 AND settlement_anchor_pct <= 100),
  negotiation_step_pct   NUMERIC(5,2) NOT NULL DEFAULT 5 CHECK (negotiation_step_pct > 0 AND negotiation_step_pct <= 50),
  plan_lengths           INTEGER[] NOT NULL CHECK (cardinality(plan_lengths) > 0 AND 0 < ALL(plan_lengths)),
  max_plan_months        INTEGER NOT NULL CHECK (max_plan_months BETWEEN 1 AND 60),
  min_instalment         money_amount NOT NULL,
  hardship_deferral_days INTEGER NOT NULL DEFAULT 0 CHECK (hardship_deferral_days BETWEEN 0 AND 180),
  hardship_min_days_overdue INTEGER NOT NULL DEFAULT 0 CHECK (hardship_min_days_overdue >= 0),
  approved_by            TEXT,
  effective_from         DATE NOT NULL DEFAULT CURRENT_DATE,
  created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK (settlement_anchor_pct >= settlement_floor_pct)
);
CREATE UNIQUE INDEX collection_policies_one_default ON collection_policies (is_default) WHERE is_default;

CREATE TABLE customers (
  id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  external_ref        TEXT UNIQUE,
  first_name          TEXT NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
  last_name           TEXT NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
  phone               e164_phone NOT NULL,
  phone_type          TEXT NOT NULL DEFAULT 'unknown' CHECK (phone_type IN ('mobile','landline','voip','unknown')),
  account_last_4      CHAR(4) NOT NULL CHECK (account_last_4 ~ '^[0-9]{4}$'),
  postal_code         TEXT NOT NULL CHECK (length(postal_code) BETWEEN 3 AND 12),
  balance             money_amount NOT NULL,
  days_overdue        INTEGER NOT NULL CHECK (days_overdue >= 0),
  timezone            TEXT,
  country             CHAR(2) NOT NULL DEFAULT 'US' CHECK (country IN ('US','CA')),
  region              TEXT CHECK (region ~ '^[A-Z]{2}$'),
  policy_id           BIGINT REFERENCES collection_policies(id),
  consent_source      TEXT,
  consent_recorded_at TIMESTAMPTZ,
  consent_revoked_at  TIMESTAMPTZ,
  cease_requested_at  TIMESTAMPTZ,
  attorney_at         TIMESTAMPTZ,
  attorney_details    JSONB,
  bankruptcy_at       TIMESTAMPTZ,
  disputed_at         TIMESTAMPTZ,
  dispute_resolved_at TIMESTAMPTZ,
  hardship_at         TIMESTAMPTZ,
  inconvenient_times  JSONB NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(inconvenient_times) = 'array'),
  lawsuit_permitted   BOOLEAN NOT NULL DEFAULT false,
  garnishment_permitted BOOLEAN NOT NULL DEFAULT false,
  time_barred         BOOLEAN NOT NULL DEFAULT false,
  created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT customers_phone_key UNIQUE (phone)
);
CREATE INDEX customers_last_name ON customers (lower(last_name), lower(first_name));
CREATE INDEX customers_created ON customers (created_at DESC, id DESC);
CREATE TRIGGER customers_touch BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION archer_touch_updated_at();

CREATE TABLE behavioral_tactics (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{1,62}$'),
  archetype   TEXT NOT NULL CHECK (archetype IN ('aggressive','empathetic','balanced','stern','custom')),
  description TEXT NOT NULL DEFAULT '',
  config      JSONB NOT NULL,
  version     INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  active      BOOLEAN NOT NULL DEFAULT true,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT tactic_dimensions CHECK (
        jsonb_typeof(config->'urgency') = 'number' AND (config->>'urgency')::numeric BETWEEN 1 AND 10
    AND jsonb_typeof(config->'empathy') = 'number' AND (config->>'empathy')::numeric BETWEEN 1 AND 10
    AND jsonb_typeof(config->'persistence') = 'number' AND (config->>'persistence')::numeric BETWEEN 1 AND 10
    AND jsonb_typeof(config->'authority') = 'number' AND (config->>'authority')::numeric BETWEEN 1 AND 10)
);
CREATE TRIGGER tactics_touch BEFORE UPDATE ON behavioral_tactics FOR EACH ROW EXECUTE FUNCTION archer_touch_updated_at();

CREATE TABLE tactic_versions (
  tactic_id  BIGINT NOT NULL REFERENCES behavioral_tactics(id) ON DELETE CASCADE,
  version    INTEGER NOT NULL CHECK (version >= 1),
  config     JSONB NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_by TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (tactic_id, version)
);

CREATE TABLE campaigns (
  id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  status           TEXT NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft','running','paused','cancelled','completed')),
  tactic_id        BIGINT REFERENCES behavioral_tactics(id),
  customer_filter  JSONB NOT NULL DEFAULT '{}'::jsonb,
  starts_at        TIMESTAMPTZ,
  ends_at          TIMESTAMPTZ,
  max_concurrency  INTEGER NOT NULL DEFAULT 5 CHECK (max_concurrency BETWEEN 1 AND 500),
  calls_per_minute INTEGER NOT NULL DEFAULT 30 CHECK (calls_per_minute BETWEEN 1 AND 6000),
  max_attempts     INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 10),
  retry_delay_minutes INTEGER NOT NULL DEFAULT 240 CHECK (retry_delay_minutes BETWEEN 1 AND 10080),
  instance_id      TEXT UNIQUE,
  created_by       TEXT,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  started_at       TIMESTAMPTZ,
  completed_at     TIMESTAMPTZ,
  CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX campaigns_status ON campaigns (status, created_at DESC);
CREATE TRIGGER campaigns_touch BEFORE UPDATE ON campaigns FOR EACH ROW EXECUTE FUNCTION archer_touch_updated_at();

CREATE TABLE contact_attempts (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id     UUID NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  phone           e164_phone NOT NULL,
  purpose         TEXT NOT NULL CHECK (purpose IN ('collection','requested_callback')),
  source          TEXT NOT NULL CHECK (source IN ('manual','test','callback','campaign')),
  decision        TEXT NOT NULL CHECK (decision IN ('allow','deny')),
  reason_code     TEXT NOT NULL CHECK (reason_code ~ '^[a-z][a-z0-9_]*$'),
  next_allowed_at TIMESTAMPTZ,
  rule_version    TEXT,
  details         JSONB NOT NULL DEFAULT '{}'::jsonb,
  decided_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK (decision = 'deny' OR reason_code = 'allowed')
);
CREATE INDEX contact_attempts_customer ON contact_attempts (customer_id, decided_at DESC);
CREATE TRIGGER contact_attempts_append_only BEFORE UPDATE OR DELETE ON contact_attempts
  FOR EACH ROW EXECUTE FUNCTION archer_append_only();

CREATE TABLE callbacks (
  id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id    UUID NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  requested_on_call_id UUID,
  scheduled_for  TIMESTAMPTZ NOT NULL,
  reason         TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
  requested_by   TEXT NOT NULL DEFAULT 'customer' CHECK (requested_by IN ('customer','admin','system')),
  status         TEXT NOT NULL DEFAULT 'scheduled'
                 CHECK (status IN ('scheduled','dialing','completed','cancelled','failed','expired')),
  instance_id    TEXT UNIQUE,
  attempts       INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  outcome        TEXT,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX callbacks_due ON callbacks (status, scheduled_for);
CREATE INDEX callbacks_customer ON callbacks (customer_id, scheduled_for DESC);
CREATE TRIGGER callbacks_touch BEFORE UPDATE ON callbacks FOR EACH ROW EXECUTE FUNCTION archer_touch_updated_at();

CREATE TABLE calls (
  id                 UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  call_sid           TEXT CHECK (call_sid ~ '^CA[0-9a-fA-F]{32}$'),
  customer_id        UUID REFERENCES customers(id) ON DELETE SET NULL,
  direction          TEXT NOT NULL CHECK (direction IN ('outbound','inbound')),
  call_type          TEXT NOT NULL CHECK (call_type IN ('manual','test','callback','campaign','inbound','simulated')),
  status             TEXT NOT NULL DEFAULT 'queued' CHECK (status IN
                       ('queued','initiated','ringing','in-progress','completed','busy','failed','no-answer','canceled')),
  outcome            TEXT CHECK (outcome IN ('payment_arranged','promise_to_pay','callback_scheduled','transferred',
                       'refused','disputed','cease_requested','attorney','bankruptcy','wrong_party','verification_failed',
                       'voicemail','no_answer','busy','failed','hung_up','completed_no_arrangement','hardship')),
  tactic_id          BIGINT REFERENCES behavioral_tactics(id),
  tactic_version     INTEGER,
  campaign_id        UUID REFERENCES campaigns(id) ON DELETE SET NULL,
  callback_id        UUID REFERENCES callbacks(id) ON DELETE SET NULL,
  contact_attempt_id BIGINT REFERENCES contact_attempts(id),
  from_number        TEXT,
  to_number          TEXT,
  answered_by        TEXT CHECK (answered_by IN ('human','machine_start','machine_end_beep','machine_end_silence',
                       'machine_end_other','fax','unknown')),
  recording_sid      TEXT,
  recording_url      TEXT,
  recording_duration_s INTEGER CHECK (recording_duration_s >= 0),
  recording_channels INTEGER CHECK (recording_channels IN (1,2)),
  verified           BOOLEAN NOT NULL DEFAULT false,
  conversation_at    TIMESTAMPTZ,
  error_code         TEXT,
  started_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  answered_at        TIMESTAMPTZ,
  ended_at           TIMESTAMPTZ,
  duration_s         INTEGER CHECK (duration_s >= 0),
  last_status_seq    INTEGER,
  created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT calls_call_sid_key UNIQUE (call_sid),
  CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX calls_started ON calls (started_at DESC, id DESC);
CREATE INDEX calls_status_started ON calls (status, started_at DESC, id DESC);
CREATE INDEX calls_outcome_started ON calls (outcome, started_at DESC, id DESC);
CREATE INDEX calls_tactic_started ON calls (tactic_id, started_at DESC, id DESC);
CREATE INDEX calls_customer_started ON calls (customer_id, started_at DESC, id DESC);
CREATE INDEX calls_campaign ON calls (campaign_id) WHERE campaign_id IS NOT NULL;
CREATE INDEX calls_conversation ON calls (customer_id, conversation_at DESC) WHERE conversation_at IS NOT NULL;
CREATE TRIGGER calls_touch BEFORE UPDATE ON calls FOR EACH ROW EXECUTE FUNCTION archer_touch_updated_at();
ALTER TABLE callbacks ADD CONSTRAINT callbacks_requested_on_call_fk
  FOREIGN KEY (requested_on_call_id) REFERENCES calls(id) ON DELETE SET NULL;

CREATE TABLE call_transcript_entries (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  call_id     UUID NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL CHECK (seq >= 0),
  speaker     TEXT NOT NULL CHECK (speaker IN ('agent','caller','system')),
  text        TEXT NOT NULL,
  interrupted BOOLEAN NOT NULL DEFAULT false,
  spoken_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  text_search TSVECTOR GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
  CONSTRAINT transcript_call_seq UNIQUE (call_id, seq)
);
CREATE INDEX transcript_search ON call_transcript_entries USING gin (text_search);

CREATE TABLE tool_executions (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  call_id     UUID NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL CHECK (seq >= 0),
  name        TEXT NOT NULL,
  arguments   JSONB NOT NULL DEFAULT '{}'::jsonb,
  result      JSONB,
  success     BOOLEAN NOT NULL,
  error       TEXT,
  duration_ms NUMERIC(10,2) NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
  executed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT tool_call_seq UNIQUE (call_id, seq)
);

CREATE TABLE turn_metrics (
  id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  call_id            UUID NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
  turn               INTEGER NOT NULL CHECK (turn >= 0),
  speech_end_at      TIMESTAMPTZ,
  stt_ms             NUMERIC(10,2),
  llm_ttft_ms        NUMERIC(10,2),
  first_sentence_ms  NUMERIC(10,2),
  tts_ttfb_ms        NUMERIC(10,2),
  first_frame_ms     NUMERIC(10,2),
  voice_to_voice_ms  NUMERIC(10,2),
  overhead_ms        NUMERIC(10,2),
  interrupted        BOOLEAN NOT NULL DEFAULT false,
  recorded_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT turn_metrics_call_turn UNIQUE (call_id, turn)
);

CREATE TABLE payment_arrangements (
  id                UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  idempotency_key   TEXT NOT NULL,
  customer_id       UUID NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  call_id           UUID REFERENCES calls(id) ON DELETE SET NULL,
  kind              TEXT NOT NULL CHECK (kind IN ('full','settlement','plan','deferral')),
  total_amount      money_amount NOT NULL,
  down_payment      money_amount NOT NULL DEFAULT 0,
  months            INTEGER CHECK (months BETWEEN 1 AND 60),
  instalment_amount money_amount,
  schedule          JSONB NOT NULL DEFAULT '[]'::jsonb,
  payment_method    TEXT NOT NULL CHECK (payment_method IN ('sms_link','bank_transfer')),
  status            TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','link_sent','confirmed','cancelled','broken')),
  first_due_date    DATE,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT payment_arrangements_idempotency_key UNIQUE (idempotency_key),
  CHECK (down_payment <= total_amount),
  CHECK (kind <> 'plan' OR (months IS NOT NULL AND instalment_amount IS NOT NULL))
);
CREATE INDEX arrangements_customer ON payment_arrangements (customer_id, created_at DESC);
CREATE INDEX arrangements_call ON payment_arrangements (call_id);
CREATE TRIGGER arrangements_touch BEFORE UPDATE ON payment_arrangements FOR EACH ROW EXECUTE FUNCTION archer_touch_updated_at();

CREATE TABLE campaign_targets (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  campaign_id     UUID NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  customer_id     UUID NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  status          TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending','in_progress','retry_wait','done','skipped','cancelled')),
  disposition     TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at TIMESTAMPTZ,
  last_call_id    UUID REFERENCES calls(id) ON DELETE SET NULL,
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT campaign_targets_unique UNIQUE (campaign_id, customer_id)
);
CREATE INDEX campaign_targets_page ON campaign_targets (campaign_id, id);
CREATE INDEX campaign_targets_status ON campaign_targets (campaign_id, status);
CREATE TRIGGER campaign_targets_touch BEFORE UPDATE ON campaign_targets FOR EACH ROW EXECUTE FUNCTION archer_touch_updated_at();

CREATE TABLE compliance_events (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id  UUID REFERENCES customers(id) ON DELETE CASCADE,
  call_id      UUID REFERENCES calls(id) ON DELETE SET NULL,
  category     TEXT NOT NULL CHECK (category IN
                 ('disclosure','guard_block','intent','action','consent','predial','retention','dnc','sms')),
  code         TEXT NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]*$'),
  details      JSONB NOT NULL DEFAULT '{}'::jsonb,
  occurred_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX compliance_events_customer ON compliance_events (customer_id, occurred_at DESC);
CREATE INDEX compliance_events_call ON compliance_events (call_id, occurred_at);
CREATE INDEX compliance_events_recent ON compliance_events (category, occurred_at DESC);
CREATE TRIGGER compliance_events_append_only BEFORE UPDATE OR DELETE ON compliance_events
  FOR EACH ROW EXECUTE FUNCTION archer_append_only();

CREATE TABLE dnc_entries (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  phone      e164_phone NOT NULL,
  reason     TEXT NOT NULL DEFAULT '',
  source     TEXT NOT NULL CHECK (source IN ('consumer_request','sms_stop','admin','import')),
  created_by TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT dnc_entries_phone_key UNIQUE (phone)
);

CREATE TABLE messages (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_sid  TEXT UNIQUE,
  customer_id  UUID REFERENCES customers(id) ON DELETE CASCADE,
  call_id      UUID REFERENCES calls(id) ON DELETE SET NULL,
  direction    TEXT NOT NULL CHECK (direction IN ('outbound','inbound')),
  phone        e164_phone NOT NULL,
  body         TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'queued',
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX messages_customer ON messages (customer_id, created_at DESC);

CREATE TABLE audit_log (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  actor         TEXT NOT NULL,
  actor_role    TEXT,
  action        TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id   TEXT,
  before        JSONB,
  after         JSONB,
  request_id    TEXT,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_resource ON audit_log (resource_type, resource_id, created_at DESC);
CREATE INDEX audit_log_created ON audit_log (created_at DESC);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION archer_append_only();

-- The application role: everything it needs, but no rewriting of the compliance record.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'archer_app') THEN
    CREATE ROLE archer_app NOLOGIN;
  END IF;
END $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO archer_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO archer_app;
REVOKE UPDATE, DELETE, TRUNCATE ON contact_attempts, compliance_events, audit_log FROM archer_app;
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS audit_log, messages, dnc_entries, compliance_events, campaign_targets,
  payment_arrangements, turn_metrics, tool_executions, call_transcript_entries, calls, callbacks,
  contact_attempts, campaigns, tactic_versions, behavioral_tactics, customers, collection_policies CASCADE;
DROP FUNCTION IF EXISTS archer_append_only();
DROP FUNCTION IF EXISTS archer_touch_updated_at();
DROP DOMAIN IF EXISTS e164_phone;
DROP DOMAIN IF EXISTS money_amount;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
