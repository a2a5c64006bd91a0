-- Issue 8 A2: the network's private order key leaves the database. It lived in network_keys rows
-- (so in the data files and the WAL, which were readable by other local users): that key must be
-- considered exposed, so it is not carried over. The table is dropped (not just the column, whose
-- bytes would stay in the table's pages) and a new network key is made by the next hub to start,
-- in its key file; nodes learn the new public key at their next welcome. See
-- docs/decisions/0006-network-key-in-a-file.md.
DROP TABLE network_keys;

-- The public half only: hubs sharing a database check that their key files hold the same key.
CREATE TABLE network_keys (
  id          integer PRIMARY KEY CHECK (id = 1),
  public_key  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Issue 8 B5: the hubs of this network, each upserting its public URL every few seconds, so a
-- hub can tell its nodes where the others are (the welcome message's `hubs`).
CREATE TABLE hubs (
  id         text PRIMARY KEY,
  url        text NOT NULL,
  last_seen  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hubs_last_seen ON hubs (last_seen);
