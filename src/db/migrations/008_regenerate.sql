-- useChat's regenerate: a turn answered again keeps its earlier answer's rows (usage was spent, the audit ledger
-- refers to them) but marks that completion superseded, which takes its answer out of the transcript.
ALTER TABLE completions ADD COLUMN superseded_at timestamptz;
