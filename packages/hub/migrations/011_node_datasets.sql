-- Issue 9: datasets nodes keep for federated training. The data stays on the node; the hub knows
-- each dataset's name, schema (sample shape, label kind) and row count, as the node announced them
-- when it last registered (written before the node's own row, so no foreign key).
CREATE TABLE node_datasets (
  node_id    text NOT NULL,
  name       text NOT NULL,
  format     text NOT NULL CHECK (format IN ('csv', 'idx')),
  schema     jsonb NOT NULL,
  rows       bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (node_id, name)
);
CREATE INDEX node_datasets_name_idx ON node_datasets (name, node_id);
