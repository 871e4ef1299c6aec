-- API v3: an integration's feedback type (`eager` by default, as the reference's examples show), and the
-- shop order statuses and their mapping onto Sendcloud's status categories. Existing integrations keep
-- their data and read `eager`.
ALTER TABLE integrations ADD COLUMN feedback_type TEXT NOT NULL DEFAULT 'eager';

-- Every status the shop declared; a status left out of a later declaration is kept, marked deleted.
CREATE TABLE shop_order_statuses (
  integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  external_id TEXT NOT NULL,
  -- A JSON array of {status, language}, as declared.
  translations TEXT NOT NULL,
  -- The status's place in the latest declaration that named it.
  position INTEGER NOT NULL,
  deleted_at_us INTEGER,
  PRIMARY KEY (integration_id, external_id)
);

-- One row per status category the shop mapped; a category without a row maps to nothing.
CREATE TABLE shop_order_status_mappings (
  integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  status_category TEXT NOT NULL,
  external_id TEXT,
  PRIMARY KEY (integration_id, status_category)
);
