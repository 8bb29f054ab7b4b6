-- Agents (named specs) and structured output. A thread may be bound to an agent; each completion records the
-- agent and version it ran as, and the validated object when the agent answers in a fixed shape.
ALTER TABLE threads ADD COLUMN agent text;
ALTER TABLE threads ADD COLUMN parent_thread_id text REFERENCES threads(id) ON DELETE CASCADE;
ALTER TABLE completions ADD COLUMN agent text;
ALTER TABLE completions ADD COLUMN agent_version text;
ALTER TABLE completions ADD COLUMN output jsonb;
-- A research sub-agent's completion points at the completion (and tool call) that started it.
ALTER TABLE completions ADD COLUMN parent_completion_id text REFERENCES completions(id) ON DELETE CASCADE;
CREATE INDEX completions_user_status ON completions (user_id, status);
