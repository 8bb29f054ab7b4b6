-- The audit ledger outlives the thread it is about: deleting a thread removes its messages and completions but
-- leaves its ledger rows, closed by a `thread_deleted` tombstone that the deletion appends. So no foreign key may
-- tie a ledger row to a thread or a completion: ON DELETE CASCADE took the ledger with the thread, and SET NULL
-- would be an UPDATE, which the append-only trigger refuses. Rows stay tied to their user: erasing a user (GDPR)
-- still erases the user's ledger.
-- Dropped by what they reference rather than by name, whatever an earlier migration has named or reshaped them.
DO $$
DECLARE
  fk record;
BEGIN
  FOR fk IN
    SELECT conname FROM pg_constraint
    WHERE conrelid = 'audit_events'::regclass AND contype = 'f'
      AND confrelid IN ('threads'::regclass, 'completions'::regclass)
  LOOP
    EXECUTE format('ALTER TABLE audit_events DROP CONSTRAINT %I', fk.conname);
  END LOOP;
END $$;
