-- Thread ids a client chooses (useChat's chat id, POST /v1/threads {id}) are its own: two users may both have a
-- thread `abc`. The client's id moves to `client_id`, unique per user; `id` becomes Longhaul's own, made by the
-- server for new threads, and everything that refers to a thread (foreign keys, workflow inputs, search
-- attributes, recorded histories) keeps using it. A thread that exists now keeps its id as both, so its owner and
-- its running workflows see nothing change. Message ids a client chooses (ui_message_id) were already unique per
-- thread, so with per-user threads they are per user too.
ALTER TABLE threads ADD COLUMN client_id text;
UPDATE threads SET client_id = id;
ALTER TABLE threads ALTER COLUMN client_id SET NOT NULL;
ALTER TABLE threads ADD CONSTRAINT threads_user_client_id UNIQUE (user_id, client_id);

-- A writer that names no client id keeps the thread's id as it: an API replica of the previous release, still
-- serving during a rolling deploy, creates threads the new release finds under the id their client chose.
CREATE FUNCTION threads_client_id_default() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.client_id := coalesce(NEW.client_id, NEW.id);
  RETURN NEW;
END $$;
CREATE TRIGGER threads_client_id_default BEFORE INSERT ON threads
  FOR EACH ROW EXECUTE FUNCTION threads_client_id_default();
