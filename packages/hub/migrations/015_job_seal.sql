-- Issue 10: a job may ask its node to seal the result to the submitter's x25519 key; the hub keeps
-- the key to hand it to the node with the task, and stores the sealed result it cannot read.
ALTER TABLE jobs ADD COLUMN seal_to text;
