-- The append-only audit ledger: what happened in every run, who decided, what it cost. Rows are
-- only ever inserted; event_key makes each insert idempotent, because the activities that write them retry.
CREATE TABLE audit_events (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_key      text NOT NULL UNIQUE,
  thread_id      text NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
  completion_id  text REFERENCES completions(id) ON DELETE CASCADE,
  user_id        text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type           text NOT NULL,
  -- Who caused it: a user id, 'model', 'system', or an operator name from the Temporal UI or CLI.
  actor          text NOT NULL,
  data           jsonb NOT NULL DEFAULT '{}',
  workflow_id    text,
  run_id         text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_thread ON audit_events (thread_id, id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only';
END $$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
