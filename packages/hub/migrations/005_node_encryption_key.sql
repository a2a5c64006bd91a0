-- Nodes publish their x25519 key so data keys can be wrapped to the node that runs a task.
ALTER TABLE nodes ADD COLUMN encryption_key text;
