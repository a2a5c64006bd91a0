-- w3ai hub schema, version 1: accounts, nodes and request nonces.
CREATE TABLE accounts (
  id             text PRIMARY KEY,
  public_key     text NOT NULL UNIQUE,
  encryption_key text,
  name           text,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE nodes (
  id                text PRIMARY KEY,
  public_key        text NOT NULL UNIQUE,
  name              text NOT NULL,
  version           text NOT NULL,
  region            text NOT NULL,
  location          jsonb NOT NULL,
  capabilities      jsonb NOT NULL,
  endpoint          text NOT NULL,
  status            text NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'suspect', 'offline')),
  status_changed_at timestamptz NOT NULL DEFAULT now(),
  load              jsonb,
  last_seen_at      timestamptz,
  hub_id            text,
  registered_at     timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX nodes_status_idx ON nodes (status);
CREATE INDEX nodes_region_idx ON nodes (region);

-- Nonces of signed requests, kept for twice the allowed clock skew so a replay is refused by any hub.
CREATE TABLE request_nonces (
  public_key text NOT NULL,
  nonce      text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (public_key, nonce)
);
CREATE INDEX request_nonces_expires_idx ON request_nonces (expires_at);
