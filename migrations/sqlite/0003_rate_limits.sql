-- Nothing here: on SQLite one process serves the database and keeps its rate limits in memory. The id
-- exists so that both dialects share one migration history (PostgreSQL's 0003 shares rate limits
-- between instances).
SELECT 1;
