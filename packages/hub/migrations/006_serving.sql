-- Model serving: deployments keep a stored ONNX model loaded on a few nodes, each holding the
-- model key wrapped to it by the owner; inference requests go through a hub to a ready replica.
CREATE TABLE deployments (
  id          text PRIMARY KEY,
  owner       text NOT NULL,
  model_cid   text NOT NULL,
  status      text NOT NULL CHECK (status IN ('awaiting-keys', 'active', 'stopped')),
  replicas    integer NOT NULL,
  max_batch   integer NOT NULL,
  candidates  text[] NOT NULL DEFAULT '{}',
  io          jsonb,
  requests    bigint NOT NULL DEFAULT 0,
  failures    bigint NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deployments_owner_idx ON deployments (owner, created_at DESC);

CREATE TABLE deployment_replicas (
  deployment_id text NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
  node_id       text NOT NULL,
  wrapped_key   jsonb NOT NULL,
  state         text NOT NULL DEFAULT 'assigned' CHECK (state IN ('assigned', 'ready', 'failed', 'stopped')),
  error         jsonb,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (deployment_id, node_id)
);
CREATE INDEX deployment_replicas_node_idx ON deployment_replicas (node_id);
