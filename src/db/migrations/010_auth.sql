-- Browser-safe auth beside API keys.
-- A user a JWT's `sub` stands for is found by that subject, never by name: names belong to operators (the CLI),
-- subjects to the product's identity provider, and neither can claim the other's user.
ALTER TABLE users ADD COLUMN external_subject text UNIQUE;

-- API keys may expire; last_used_at is written at most once a minute per key (see users-repo markApiKeyUsed).
ALTER TABLE api_keys
  ADD COLUMN expires_at   timestamptz,
  ADD COLUMN last_used_at timestamptz;

-- `keys list <user>` and `keys revoke <prefix>`.
CREATE INDEX api_keys_user ON api_keys (user_id, created_at);
CREATE INDEX api_keys_prefix ON api_keys (prefix);
