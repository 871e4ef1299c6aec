-- v3 orders (Sendcloud's Orders API): one row per order, keyed by its integration and its shop's
-- order_id; the whole order as answered in `data` (JSON), beside the columns the list filters and sorts
-- read. The *_folded columns hold the value lower-cased, for the case-insensitive filters.
-- `account_id` repeats the integration's account so every read is scoped to the account by an index.
-- `version` counts writes, for a PATCH's read-modify-write.

CREATE TABLE orders (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  order_id TEXT NOT NULL,
  order_id_folded TEXT NOT NULL,
  order_number TEXT NOT NULL,
  order_number_folded TEXT NOT NULL,
  status_folded TEXT NOT NULL,
  order_created_at_us INTEGER NOT NULL,
  order_updated_at_us INTEGER,
  created_at_us INTEGER NOT NULL,
  modified_at_us INTEGER NOT NULL,
  version INTEGER NOT NULL,
  data TEXT NOT NULL
);
-- One order per (integration, order_id): concurrent batches cannot make two.
CREATE UNIQUE INDEX orders_identity ON orders (integration_id, order_id);
CREATE INDEX orders_by_account ON orders (account_id, id);
CREATE INDEX orders_by_order_id ON orders (account_id, order_id_folded);
CREATE INDEX orders_by_order_number ON orders (account_id, order_number_folded);
CREATE INDEX orders_by_status ON orders (account_id, status_folded);
CREATE INDEX orders_by_created ON orders (account_id, order_created_at_us);
CREATE INDEX orders_by_updated ON orders (account_id, order_updated_at_us);
