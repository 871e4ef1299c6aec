-- The first schema: accounts, their API credentials, integrations and their shipments.
-- Times are integers: microseconds since the Unix epoch, UTC.

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  partner INTEGER NOT NULL DEFAULT 1,
  created_at_us INTEGER NOT NULL
);

CREATE TABLE credentials (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  public_key TEXT NOT NULL UNIQUE,
  -- SHA-256 (or HMAC-SHA-256 with the server pepper) of the secret key, hex; never the secret itself.
  secret_hash TEXT NOT NULL,
  oauth_only INTEGER NOT NULL DEFAULT 0,
  created_at_us INTEGER NOT NULL,
  revoked_at_us INTEGER
);
CREATE INDEX credentials_account ON credentials (account_id);

CREATE TABLE integrations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  shop_name TEXT NOT NULL,
  shop_url TEXT,
  system TEXT NOT NULL,
  failing_since_us INTEGER,
  last_fetch_us INTEGER,
  last_updated_at_us INTEGER NOT NULL,
  service_point_enabled INTEGER NOT NULL DEFAULT 0,
  service_point_carriers TEXT NOT NULL DEFAULT '[]',
  webhook_active INTEGER NOT NULL DEFAULT 0,
  webhook_url TEXT,
  -- Kept retrievable on purpose: it signs outgoing webhooks (CONTRACT §4); it is not an API credential.
  webhook_signature_key TEXT NOT NULL,
  created_at_us INTEGER NOT NULL
);
CREATE INDEX integrations_account ON integrations (account_id);

CREATE TABLE shipments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  uuid TEXT NOT NULL UNIQUE,
  external_order_id TEXT NOT NULL,
  -- external_shipment_id with null read as '': null and '' are one key (CONTRACT §3), and a plain
  -- unique index would treat NULLs as distinct.
  shipment_key TEXT NOT NULL,
  external_shipment_id TEXT,
  order_number TEXT NOT NULL,
  shop_created_at_us INTEGER NOT NULL,
  shop_updated_at_us INTEGER NOT NULL,
  created_at_us INTEGER NOT NULL,
  updated_at_us INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE UNIQUE INDEX shipments_identity ON shipments (integration_id, external_order_id, shipment_key);
CREATE INDEX shipments_by_import ON shipments (integration_id, created_at_us DESC, id DESC);
CREATE INDEX shipments_by_order_number ON shipments (integration_id, order_number);
