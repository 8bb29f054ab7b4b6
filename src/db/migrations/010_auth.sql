-- Browser-safe auth beside API keys.
-- API keys may expire; last_used_at is written at most once a minute per key (see users-repo markApiKeyUsed).
ALTER TABLE api_keys
  ADD COLUMN expires_at   timestamptz,
  ADD COLUMN last_used_at timestamptz;

-- `keys list <user>` and `keys revoke <prefix>`.
CREATE INDEX api_keys_user ON api_keys (user_id, created_at);
CREATE INDEX api_keys_prefix ON api_keys (prefix);
