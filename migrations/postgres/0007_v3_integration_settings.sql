-- API v3: an integration's feedback type (`eager` by default, as the reference's examples show), and the
-- shop order statuses and their mapping onto Sendcloud's status categories. Existing integrations keep
-- their data and read `eager`.
ALTER TABLE integrations ADD COLUMN feedback_type text NOT NULL DEFAULT 'eager';

-- Every status the shop declared; a status left out of a later declaration is kept, marked deleted.
CREATE TABLE shop_order_statuses (
  integration_id bigint NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  external_id text NOT NULL,
  -- A JSON array of {status, language}, as declared.
  translations jsonb NOT NULL,
  -- The status's place in the latest declaration that named it.
  position integer NOT NULL,
  deleted_at_us bigint,
  PRIMARY KEY (integration_id, external_id)
);

-- One row per status category the shop mapped; a category without a row maps to nothing.
CREATE TABLE shop_order_status_mappings (
  integration_id bigint NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  status_category text NOT NULL,
  external_id text,
  PRIMARY KEY (integration_id, status_category)
);
