-- The rest of the Integrations API: OAuth2 tokens, exception logs and the webhook outbox.

CREATE TABLE oauth_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  credential_id INTEGER NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
  -- SHA-256 (or HMAC with the pepper) of the opaque token; the token itself is never stored.
  token_hash TEXT NOT NULL UNIQUE,
  created_at_us INTEGER NOT NULL,
  expires_at_us INTEGER NOT NULL
);
CREATE INDEX oauth_tokens_credential ON oauth_tokens (credential_id);

CREATE TABLE integration_logs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  base_url TEXT NOT NULL,
  full_url TEXT,
  method TEXT NOT NULL,
  response_code INTEGER,
  response TEXT,
  request TEXT,
  exception_type TEXT,
  exception TEXT,
  created_at_us INTEGER NOT NULL,
  imported_at_us INTEGER NOT NULL
);
CREATE INDEX integration_logs_by_integration ON integration_logs (integration_id, imported_at_us DESC, id DESC);
CREATE INDEX integration_logs_by_account ON integration_logs (account_id, imported_at_us DESC, id DESC);

-- Webhook deliveries, written in the same transaction as the change they announce. No foreign key to
-- integrations: `integration_deleted` outlives its integration.
CREATE TABLE webhook_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  integration_id INTEGER NOT NULL,
  action TEXT NOT NULL,
  url TEXT NOT NULL,
  body TEXT NOT NULL,
  signature_key TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_us INTEGER NOT NULL,
  locked_until_us INTEGER,
  created_at_us INTEGER NOT NULL,
  delivered_at_us INTEGER
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (status, next_attempt_at_us);

CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id INTEGER NOT NULL REFERENCES webhook_outbox (id) ON DELETE CASCADE,
  attempted_at_us INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  duration_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
