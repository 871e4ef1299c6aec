-- Rate limits shared by every instance on this database: a sliding log of accepted requests per
-- account and class. UNLOGGED: losing it in a crash only forgives a minute of budget.
CREATE UNLOGGED TABLE rate_events (
  account_id bigint NOT NULL,
  rate_class smallint NOT NULL,
  at_us bigint NOT NULL
);
CREATE INDEX rate_events_by_account ON rate_events (account_id, rate_class, at_us DESC);
