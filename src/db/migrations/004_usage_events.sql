-- Token usage of every model call attempt, including failed and retried ones: budgets and the completion's
-- totals are computed from here, so a retry can neither hide its cost nor be counted twice.
CREATE TABLE usage_events (
  completion_id  text NOT NULL REFERENCES completions(id) ON DELETE CASCADE,
  user_id        text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  step           integer NOT NULL,
  attempt        integer NOT NULL,
  input_tokens   integer NOT NULL,
  output_tokens  integer NOT NULL,
  -- true when the attempt failed before the provider reported usage: counted from characters sent and received.
  estimated      boolean NOT NULL DEFAULT false,
  outcome        text NOT NULL CHECK (outcome IN ('completed', 'failed', 'cancelled')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (completion_id, step, attempt)
);
CREATE INDEX usage_events_user_day ON usage_events (user_id, created_at);

ALTER TABLE threads ADD COLUMN double_text_policy text NOT NULL DEFAULT 'reject'
  CHECK (double_text_policy IN ('reject', 'enqueue', 'interrupt'));

ALTER TABLE completions DROP CONSTRAINT completions_status_check;
ALTER TABLE completions ADD CONSTRAINT completions_status_check
  CHECK (status IN ('queued', 'running', 'awaiting_approval', 'completed', 'cancelled', 'failed'));
-- For `enqueue`: the completion this one waits for.
ALTER TABLE completions ADD COLUMN after_completion_id text REFERENCES completions(id) ON DELETE SET NULL;
-- The user message a completion answers: a turn's assistant rows are ordered right after it, even when another
-- message arrived while it ran (double texting).
ALTER TABLE completions ADD COLUMN user_message_id text REFERENCES messages(id) ON DELETE SET NULL;
