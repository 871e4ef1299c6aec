-- Resetting or deleting one account removes its webhook deliveries by account: without this index that
-- would read the whole outbox, which keeps every delivery ever made and so grows with the history.
CREATE INDEX webhook_outbox_by_account ON webhook_outbox (account_id);
