-- The virtual clock's setting (`/__admin/clock`): one row at most; none, or no frozen instant and no
-- offset, means real time. Every instance on this database reads it at start and follows its changes
-- (LISTEN order_inbox_clock); `version` counts the changes, so an instance that hears of two out of
-- order keeps the later one.
CREATE TABLE clock_setting (
  id smallint PRIMARY KEY CHECK (id = 1),
  frozen_at_us bigint,
  offset_us bigint NOT NULL DEFAULT 0,
  version bigint NOT NULL DEFAULT 0
);
