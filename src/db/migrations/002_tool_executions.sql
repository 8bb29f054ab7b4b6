-- Tool calls the model made, what was decided about them and what they returned: the durable ones run as toolCallWorkflow children.
-- The id is Longhaul's tool call id (deterministic per completion, step and call index), which is also the
-- child workflow id suffix and the idempotency key a tool's side effects are keyed by.

CREATE TABLE tool_executions (
  id                 text PRIMARY KEY,
  completion_id      text NOT NULL REFERENCES completions(id) ON DELETE CASCADE,
  thread_id          text NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
  user_id            text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- The assistant step message whose tool part this call is.
  message_id         text NOT NULL,
  step               integer NOT NULL,
  tool_name          text NOT NULL,
  mode               text CHECK (mode IN ('inline', 'durable', 'background')),
  args               jsonb,
  args_text          text NOT NULL,
  args_digest        text NOT NULL,
  status             text NOT NULL CHECK (status IN ('pending', 'awaiting_approval', 'running', 'completed', 'failed',
                       'denied', 'expired', 'interrupted', 'invalid', 'not_found')),
  requires_approval  boolean NOT NULL DEFAULT false,
  decision           text CHECK (decision IN ('approved', 'denied', 'expired')),
  approver           text,
  decision_reason    text,
  decided_at         timestamptz,
  requested_at       timestamptz,
  expires_at         timestamptz,
  -- What the model reads: {kind: completed|pending|validation_error|not_found_error|failed|denied, ...}.
  result             jsonb,
  attempts           integer NOT NULL DEFAULT 0,
  created_at         timestamptz NOT NULL DEFAULT now(),
  started_at         timestamptz,
  finished_at        timestamptz
);
CREATE INDEX tool_executions_user_status ON tool_executions (user_id, status);
CREATE INDEX tool_executions_completion ON tool_executions (completion_id);
