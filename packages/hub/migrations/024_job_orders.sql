-- Compute-to-data (issue 12): a job run on a compute-only market purchase. The buyer owns the job
-- and its sealed result; the listing's seller (the provider) wraps the dataset's key to the job's
-- candidate nodes, so the key never reaches the buyer or the hub.
ALTER TABLE jobs ADD COLUMN order_id text;
ALTER TABLE jobs ADD COLUMN provider text;
ALTER TABLE jobs ADD COLUMN provided_cid text;
-- The nodes the router chose at submission ([{nodeId, encryptionKey}]): the provider wraps to them.
ALTER TABLE jobs ADD COLUMN candidates jsonb;
CREATE INDEX jobs_provider_awaiting ON jobs (provider) WHERE provider IS NOT NULL AND status = 'awaiting-keys';
