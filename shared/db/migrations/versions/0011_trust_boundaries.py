"""Trust boundaries: the simulation sandbox, verification lockouts, idempotent compliance events, orphaned calls.

The sandbox lives at the database boundary: a simulated call's connections carry the transaction-local setting
`archer.simulated_call` (shared/agent/sandbox.py). Under it, writes that would change the real world (a customer's
flags or consent, the do-not-call list, contact attempts, another call) are diverted into `simulated_effects`, and
the records a simulated call keeps (arrangements, callbacks, messages, compliance events) are marked `simulated`.

Revision ID: 0011
Revises: 0015
Create Date: 2026-11-30
"""
from alembic import op

revision = "0011"
down_revision = "0015"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE payment_arrangements ADD COLUMN simulated BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE callbacks ADD COLUMN simulated BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN simulated BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE compliance_events ADD COLUMN simulated BOOLEAN NOT NULL DEFAULT false;
-- A retried write (unknown commit outcome, outbox replay) never stores one event twice.
ALTER TABLE compliance_events ADD COLUMN idempotency_key TEXT
  CONSTRAINT compliance_events_idempotency_key UNIQUE CHECK (length(idempotency_key) <= 200);
ALTER TABLE compliance_events DROP CONSTRAINT compliance_events_category_check;
ALTER TABLE compliance_events ADD CONSTRAINT compliance_events_category_check CHECK (category IN
  ('disclosure','guard_block','intent','action','consent','predial','retention','dnc','sms','verification'));

-- Why a call ended when no status callback said so (e.g. 'process_died'); which voice process handled it.
ALTER TABLE calls ADD COLUMN ended_reason TEXT CHECK (ended_reason ~ '^[a-z][a-z0-9_]{0,62}$');
ALTER TABLE calls ADD COLUMN handled_by TEXT CHECK (length(handled_by) <= 100);
CREATE INDEX calls_handled_open ON calls (handled_by)
  WHERE handled_by IS NOT NULL AND status IN ('queued','initiated','ringing','in-progress');

CREATE TABLE simulated_effects (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  call_id     UUID NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
  target      TEXT NOT NULL,
  action      TEXT NOT NULL CHECK (action IN ('insert','update','delete')),
  row_data    JSONB NOT NULL,
  recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX simulated_effects_call ON simulated_effects (call_id, id);

CREATE FUNCTION archer_simulated_call() RETURNS UUID LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('archer.simulated_call', true), '')::uuid $$;

-- A real-world write from a simulated call: recorded (changed columns only, for updates) and not applied.
CREATE FUNCTION archer_sandbox_divert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sim UUID := archer_simulated_call();
  data JSONB;
BEGIN
  IF sim IS NULL THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF COALESCE((to_jsonb(OLD)->>'simulated')::boolean, false)
       OR (TG_TABLE_NAME = 'calls' AND to_jsonb(OLD)->>'id' = sim::text) THEN
      RETURN NEW;                                -- the simulation's own records may change
    END IF;
    SELECT jsonb_build_object('id', to_jsonb(OLD)->'id') || COALESCE(jsonb_object_agg(n.key, n.value), '{}'::jsonb)
      INTO data FROM jsonb_each(to_jsonb(NEW)) n
      WHERE n.key NOT IN ('updated_at') AND to_jsonb(OLD)->n.key IS DISTINCT FROM n.value;
  ELSIF TG_OP = 'DELETE' THEN
    data := jsonb_build_object('id', to_jsonb(OLD)->'id');
  ELSE
    data := to_jsonb(NEW) - 'phone';
  END IF;
  INSERT INTO simulated_effects (call_id, target, action, row_data) VALUES (sim, TG_TABLE_NAME, lower(TG_OP), data);
  RETURN NULL;
END $$;

-- A record a simulated call keeps (its own arrangement, callback, message, compliance event): marked simulated,
-- also when written outside a sandboxed connection but for a simulated call (TG_ARGV[0] names the call column).
CREATE FUNCTION archer_sandbox_mark() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  via UUID := NULLIF(to_jsonb(NEW)->>TG_ARGV[0], '')::uuid;
BEGIN
  IF archer_simulated_call() IS NOT NULL
     OR (via IS NOT NULL AND EXISTS (SELECT 1 FROM calls WHERE id = via AND call_type = 'simulated')) THEN
    NEW.simulated := true;
    IF TG_TABLE_NAME = 'compliance_events' THEN
      IF NEW.category <> 'verification' THEN
        NEW.customer_id := NULL;                 -- not part of the customer's real compliance record
      END IF;
    END IF;
  END IF;
  RETURN NEW;
END $$;

-- A simulated call never counts as a conversation with the customer (pre-dial gate, Mini-Miranda).
CREATE FUNCTION archer_simulated_call_no_conversation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.call_type = 'simulated' THEN
    NEW.conversation_at := NULL;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER customers_sandbox BEFORE UPDATE OR DELETE ON customers
  FOR EACH ROW EXECUTE FUNCTION archer_sandbox_divert();
CREATE TRIGGER dnc_entries_sandbox BEFORE INSERT OR UPDATE OR DELETE ON dnc_entries
  FOR EACH ROW EXECUTE FUNCTION archer_sandbox_divert();
CREATE TRIGGER contact_attempts_sandbox BEFORE INSERT ON contact_attempts
  FOR EACH ROW EXECUTE FUNCTION archer_sandbox_divert();
CREATE TRIGGER campaign_targets_sandbox BEFORE INSERT OR UPDATE OR DELETE ON campaign_targets
  FOR EACH ROW EXECUTE FUNCTION archer_sandbox_divert();
CREATE TRIGGER calls_sandbox BEFORE UPDATE OR DELETE ON calls
  FOR EACH ROW EXECUTE FUNCTION archer_sandbox_divert();
CREATE TRIGGER payment_arrangements_sandbox BEFORE UPDATE OR DELETE ON payment_arrangements
  FOR EACH ROW EXECUTE FUNCTION archer_sandbox_divert();
CREATE TRIGGER callbacks_sandbox BEFORE UPDATE OR DELETE ON callbacks
  FOR EACH ROW EXECUTE FUNCTION archer_sandbox_divert();
CREATE TRIGGER messages_sandbox BEFORE UPDATE OR DELETE ON messages
  FOR EACH ROW EXECUTE FUNCTION archer_sandbox_divert();

CREATE TRIGGER payment_arrangements_simulated BEFORE INSERT ON payment_arrangements
  FOR EACH ROW EXECUTE FUNCTION archer_sandbox_mark('call_id');
CREATE TRIGGER callbacks_simulated BEFORE INSERT ON callbacks
  FOR EACH ROW EXECUTE FUNCTION archer_sandbox_mark('requested_on_call_id');
CREATE TRIGGER messages_simulated BEFORE INSERT ON messages
  FOR EACH ROW EXECUTE FUNCTION archer_sandbox_mark('call_id');
CREATE TRIGGER compliance_events_simulated BEFORE INSERT ON compliance_events
  FOR EACH ROW EXECUTE FUNCTION archer_sandbox_mark('call_id');
CREATE TRIGGER calls_simulated_no_conversation BEFORE INSERT OR UPDATE ON calls
  FOR EACH ROW EXECUTE FUNCTION archer_simulated_call_no_conversation();

-- Failed right-party verifications per customer, across calls: a lockout only a supervisor clears.
CREATE TABLE verification_lockouts (
  customer_id   UUID PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
  failures      INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  window_start  TIMESTAMPTZ NOT NULL DEFAULT now(),
  locked_at     TIMESTAMPTZ,
  cleared_at    TIMESTAMPTZ,
  cleared_by    TEXT CHECK (length(cleared_by) <= 200),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Failed identifications of unknown callers (inbound from an unknown number) per calling number: a window limit.
CREATE TABLE identification_failures (
  caller        TEXT PRIMARY KEY CHECK (length(caller) <= 100),
  failures      INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  window_start  TIMESTAMPTZ NOT NULL DEFAULT now()
);
"""

DOWNGRADE = r"""
DROP TABLE identification_failures;
DROP TABLE verification_lockouts;
DROP TRIGGER calls_simulated_no_conversation ON calls;
DROP TRIGGER compliance_events_simulated ON compliance_events;
DROP TRIGGER messages_simulated ON messages;
DROP TRIGGER callbacks_simulated ON callbacks;
DROP TRIGGER payment_arrangements_simulated ON payment_arrangements;
DROP TRIGGER messages_sandbox ON messages;
DROP TRIGGER callbacks_sandbox ON callbacks;
DROP TRIGGER payment_arrangements_sandbox ON payment_arrangements;
DROP TRIGGER calls_sandbox ON calls;
DROP TRIGGER campaign_targets_sandbox ON campaign_targets;
DROP TRIGGER contact_attempts_sandbox ON contact_attempts;
DROP TRIGGER dnc_entries_sandbox ON dnc_entries;
DROP TRIGGER customers_sandbox ON customers;
DROP FUNCTION archer_simulated_call_no_conversation();
DROP FUNCTION archer_sandbox_mark();
DROP FUNCTION archer_sandbox_divert();
DROP FUNCTION archer_simulated_call();
DROP TABLE simulated_effects;
DROP INDEX calls_handled_open;
ALTER TABLE calls DROP COLUMN handled_by, DROP COLUMN ended_reason;
ALTER TABLE compliance_events DISABLE TRIGGER compliance_events_append_only;
DELETE FROM compliance_events WHERE category = 'verification';
ALTER TABLE compliance_events ENABLE TRIGGER compliance_events_append_only;
ALTER TABLE compliance_events DROP CONSTRAINT compliance_events_category_check;
ALTER TABLE compliance_events ADD CONSTRAINT compliance_events_category_check CHECK (category IN
  ('disclosure','guard_block','intent','action','consent','predial','retention','dnc','sms'));
ALTER TABLE compliance_events DROP COLUMN idempotency_key, DROP COLUMN simulated;
ALTER TABLE messages DROP COLUMN simulated;
ALTER TABLE callbacks DROP COLUMN simulated;
ALTER TABLE payment_arrangements DROP COLUMN simulated;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
