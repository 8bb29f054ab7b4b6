-- Steering: a user message added to a running answer, delivered into it at its next model step. The text stays
-- here (Temporal's history carries only the id); the transcript gets it at delivery, inside the assistant message
-- that received it. One row per (thread, client message id), so a resent message is the same message.
CREATE TABLE steering_messages (
  id                 text PRIMARY KEY,
  client_message_id  text NOT NULL,
  thread_id          text NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
  -- The running answer it was sent to, or, for one that became the next turn (`enqueued`), that turn.
  completion_id      text NOT NULL REFERENCES completions(id) ON DELETE CASCADE,
  user_id            text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- Who sent it: the user the API authenticated.
  sender             text NOT NULL,
  parts              jsonb NOT NULL,
  mode               text NOT NULL CHECK (mode IN ('next-step', 'now')),
  status             text NOT NULL CHECK (status IN ('pending', 'delivered', 'not_delivered', 'enqueued')),
  -- The model step that received it (`delivered`).
  delivered_step     integer,
  -- Why it was not delivered, or why it became the next turn.
  reason             text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  settled_at         timestamptz,
  UNIQUE (thread_id, client_message_id)
);
CREATE INDEX steering_messages_pending ON steering_messages (completion_id) WHERE status = 'pending';

-- The double-texting policy `steer`: a message sent while an answer runs is delivered into it.
ALTER TABLE threads DROP CONSTRAINT IF EXISTS threads_double_text_policy_check;
ALTER TABLE threads ADD CONSTRAINT threads_double_text_policy_check
  CHECK (double_text_policy IN ('reject', 'enqueue', 'interrupt', 'steer'));
