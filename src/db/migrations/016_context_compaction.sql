-- Context compaction: the older part of a thread's transcript, summarised for the model by a model call of its own.
-- The messages keep everything; a model call sends the newest summary in place of the rows it covers. A later
-- compaction extends the one before it (previous_id) instead of summarising the thread again from the start.
CREATE TABLE context_compactions (
  -- `<completion>:<step>:<round>`: a retried compaction finds its own row instead of summarising twice.
  id                  text PRIMARY KEY,
  thread_id           text NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
  completion_id       text NOT NULL REFERENCES completions(id) ON DELETE CASCADE,
  step                integer NOT NULL,
  round               integer NOT NULL,
  -- The last transcript row the summary covers; every row before it is covered too.
  through_message_id  text NOT NULL,
  covered_messages    integer NOT NULL,
  previous_id         text REFERENCES context_compactions(id) ON DELETE SET NULL,
  summary             text NOT NULL,
  -- What the summary costs in a model call, as the provider's counter measured it.
  summary_tokens      integer NOT NULL,
  -- What the summarising call used.
  input_tokens        integer NOT NULL,
  output_tokens       integer NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX context_compactions_thread ON context_compactions (thread_id, created_at DESC);

-- A compaction's model call is charged like an answer's: same table, so the budgets add it up.
ALTER TABLE usage_events ADD COLUMN purpose text NOT NULL DEFAULT 'answer' CHECK (purpose IN ('answer', 'compaction'));
ALTER TABLE usage_events ADD COLUMN round integer NOT NULL DEFAULT 0;
ALTER TABLE usage_events DROP CONSTRAINT usage_events_pkey;
ALTER TABLE usage_events ADD PRIMARY KEY (completion_id, purpose, step, round, attempt);
