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
-- Sub-agents spend their parent's budget: usage is also summed by the root of the completion tree.
ALTER TABLE usage_events ADD COLUMN root_completion_id text;
UPDATE usage_events SET root_completion_id = completion_id;
ALTER TABLE usage_events ALTER COLUMN root_completion_id SET NOT NULL;
CREATE INDEX usage_events_root ON usage_events (root_completion_id);
