-- Stop is acknowledged to the user (the `abort` chunk) as soon as the model stream is cut, a moment before the
-- workflow records the completion as cancelled. The request time lets a turn sent in that moment queue behind
-- the stopping completion instead of being refused as double texting.
ALTER TABLE completions ADD COLUMN cancel_requested_at timestamptz;
