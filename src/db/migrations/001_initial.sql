-- Longhaul schema v1: the source of truth for users, threads, messages and completions.
-- Ids are text so callers (useChat, workflows) can supply deterministic ids and writes stay idempotent.

CREATE TABLE users (
  id          text PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  user_id     text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- sha256 of the whole key; the key itself is shown once and never stored.
  key_hash    text NOT NULL UNIQUE,
  prefix      text NOT NULL,
  label       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE threads (
  id                    text PRIMARY KEY,
  user_id               text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title                 text,
  active_completion_id  text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX threads_user_updated ON threads (user_id, updated_at DESC);

CREATE TABLE completions (
  id                    text PRIMARY KEY,
  thread_id             text NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
  user_id               text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  model                 text NOT NULL,
  status                text NOT NULL CHECK (status IN ('running', 'awaiting_approval', 'completed', 'cancelled', 'failed')),
  -- The UI message id of this turn's assistant message: stable across steps and continuations.
  assistant_message_id  text NOT NULL,
  workflow_id           text NOT NULL,
  steps                 integer NOT NULL DEFAULT 0,
  finish_reason         text,
  input_tokens          integer,
  output_tokens         integer,
  error                 jsonb,
  created_at            timestamptz NOT NULL DEFAULT now(),
  started_at            timestamptz,
  first_token_at        timestamptz,
  finished_at           timestamptz
);
CREATE INDEX completions_thread ON completions (thread_id, created_at);

ALTER TABLE threads
  ADD CONSTRAINT threads_active_completion_fk
  FOREIGN KEY (active_completion_id) REFERENCES completions(id) ON DELETE SET NULL;

-- One row per user message and per assistant step. Rows of one assistant turn share ui_message_id, so the
-- API shows one UI message per turn while each step stays separately and idempotently writable.
CREATE TABLE messages (
  id             text PRIMARY KEY,
  thread_id      text NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
  ui_message_id  text NOT NULL,
  role           text NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
  parts          jsonb NOT NULL,
  completion_id  text REFERENCES completions(id) ON DELETE CASCADE,
  step           integer NOT NULL DEFAULT 0,
  usage          jsonb,
  metadata       jsonb,
  position       bigint GENERATED ALWAYS AS IDENTITY,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (thread_id, ui_message_id, step)
);
CREATE INDEX messages_thread_position ON messages (thread_id, position);
