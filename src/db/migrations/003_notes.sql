-- Notes the model saves for a user through the save_note tool.
-- The id is the tool call id that created the note: a retried or replayed call inserts nothing new.
-- A note outlives the thread it was written in, so deleting the thread only forgets where it came from.

CREATE TABLE notes (
  id          text PRIMARY KEY,
  user_id     text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  thread_id   text REFERENCES threads(id) ON DELETE SET NULL,
  title       text NOT NULL,
  body        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notes_user_created ON notes (user_id, created_at DESC);
