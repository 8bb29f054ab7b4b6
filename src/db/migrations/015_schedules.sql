-- Scheduled agents: what a Temporal Schedule's runs need that must not enter Temporal's history. The schedule
-- itself (spec, paused, next runs) lives in Temporal under the same id; this row holds its owner, the agent, the
-- message each run sends (user text, so it stays here) and the thread it posts to (none: a new thread per run).
CREATE TABLE schedules (
  id          text PRIMARY KEY,
  user_id     text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  agent       text NOT NULL,
  message     text NOT NULL,
  thread_id   text REFERENCES threads(id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schedules_user ON schedules (user_id, created_at);
