-- W3S storage: uploads in progress, stored objects, wrapped keys (access), pieces on nodes, audits.
CREATE TABLE uploads (
  id               text PRIMARY KEY,
  owner            text NOT NULL,
  name             text,
  size             bigint NOT NULL,
  segment_size     integer NOT NULL,
  k                integer NOT NULL,
  n                integer NOT NULL,
  repair_threshold integer NOT NULL,
  total_pieces     integer NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz NOT NULL,
  completed_at     timestamptz
);
CREATE INDEX uploads_owner_idx ON uploads (owner);

-- What was ordered for each segment (CID and node per piece index), checked at commit.
CREATE TABLE upload_segments (
  upload_id   text NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
  seg         integer NOT NULL,
  placements  jsonb NOT NULL,
  plain_size  bigint,
  cipher_size bigint,
  shard_size  integer,
  committed   boolean NOT NULL DEFAULT false,
  PRIMARY KEY (upload_id, seg)
);

CREATE TABLE objects (
  cid              text PRIMARY KEY,
  upload_id        text NOT NULL,
  owner            text NOT NULL,
  name             text,
  size             bigint NOT NULL,
  segments         integer NOT NULL,
  k                integer NOT NULL,
  n                integer NOT NULL,
  repair_threshold integer NOT NULL,
  manifest         jsonb NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  deleted_at       timestamptz
);
CREATE INDEX objects_owner_idx ON objects (owner);

-- The object key wrapped to each account that may read the object (owner included).
CREATE TABLE object_keys (
  object_cid  text NOT NULL REFERENCES objects (cid) ON DELETE CASCADE,
  account_id  text NOT NULL,
  wrapped_key jsonb NOT NULL,
  granted_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (object_cid, account_id)
);
CREATE INDEX object_keys_account_idx ON object_keys (account_id);

CREATE TABLE pieces (
  upload_id   text NOT NULL,
  seg         integer NOT NULL,
  piece_index integer NOT NULL,
  object_cid  text,
  cid         text NOT NULL,
  node_id     text NOT NULL,
  size        bigint NOT NULL,
  merkle_root text NOT NULL,
  status      text NOT NULL DEFAULT 'healthy' CHECK (status IN ('healthy', 'bad', 'deleted')),
  audited_at  timestamptz,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (upload_id, seg, piece_index)
);
CREATE INDEX pieces_node_idx ON pieces (node_id);
CREATE INDEX pieces_object_idx ON pieces (object_cid, seg);
CREATE INDEX pieces_status_idx ON pieces (status);

ALTER TABLE nodes ADD COLUMN audits_passed integer NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN audits_failed integer NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN audit_score double precision NOT NULL DEFAULT 1;
