-- The virtual clock's setting (`/__admin/clock`): one row at most; none, or no frozen instant and no
-- offset, means real time. It lives in the database so that it survives a restart and reads the same
-- on both engines; `version` counts the changes (PostgreSQL's instances use it to keep the latest).
CREATE TABLE clock_setting (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  frozen_at_us INTEGER,
  offset_us INTEGER NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 0
);
