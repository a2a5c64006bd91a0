-- The network's order key: hubs sign piece orders with it, nodes verify them. One row, shared by
-- every hub of the network.
CREATE TABLE network_keys (
  id          integer PRIMARY KEY CHECK (id = 1),
  public_key  text NOT NULL,
  private_key text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
