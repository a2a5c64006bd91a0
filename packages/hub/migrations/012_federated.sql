-- Issue 9: federated trainings. A training's clients (node, dataset) are fixed when it is created;
-- the coordinator of one hub at a time (a lease, so another hub takes over when it dies) runs its
-- rounds. After each round the global parameters are checkpointed, so a training resumes at its
-- last round after a restart. Work for nodes (train, evaluate, secure-aggregation stages) is rows
-- keyed to the node holding the data; parameters are float32 bytes, stored once per content.
CREATE TABLE fl_trainings (
  id                text PRIMARY KEY,
  owner             text NOT NULL,
  name              text,
  config            jsonb NOT NULL,
  clients           jsonb NOT NULL,
  evaluators        jsonb NOT NULL,
  classes           jsonb,
  status            text NOT NULL CHECK (status IN ('running', 'stopped', 'succeeded', 'failed')),
  round             integer NOT NULL DEFAULT 0,
  error             jsonb,
  model_cid         text,
  idempotency_key   text,
  request_digest    text,
  coordinator       text,
  coordinator_until timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz
);
CREATE INDEX fl_trainings_owner_idx ON fl_trainings (owner, created_at DESC);
CREATE INDEX fl_trainings_running_idx ON fl_trainings (status) WHERE status = 'running';
CREATE UNIQUE INDEX fl_trainings_idempotency_idx ON fl_trainings (owner, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- The global parameters after the last finished round (float32 little-endian, tensors concatenated).
CREATE TABLE fl_checkpoints (
  training_id text PRIMARY KEY REFERENCES fl_trainings (id) ON DELETE CASCADE,
  round       integer NOT NULL,
  sizes       jsonb NOT NULL,
  parameters  bytea NOT NULL,
  state       jsonb,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE fl_rounds (
  training_id  text NOT NULL REFERENCES fl_trainings (id) ON DELETE CASCADE,
  round        integer NOT NULL,
  status       text NOT NULL CHECK (status IN ('completed', 'failed')),
  participants integer NOT NULL,
  dropouts     integer NOT NULL,
  accuracy     double precision,
  loss         double precision,
  epsilon      double precision,
  metrics      jsonb NOT NULL DEFAULT '{}',
  error        jsonb,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (training_id, round)
);

-- Parameters sent to clients, stored once per training and content.
CREATE TABLE fl_blobs (
  training_id text NOT NULL REFERENCES fl_trainings (id) ON DELETE CASCADE,
  digest      text NOT NULL,
  sizes       jsonb NOT NULL,
  bytes       bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (training_id, digest)
);

CREATE TABLE fl_work (
  id           text PRIMARY KEY,
  training_id  text NOT NULL REFERENCES fl_trainings (id) ON DELETE CASCADE,
  round        integer NOT NULL,
  kind         text NOT NULL,
  client_id    text NOT NULL,
  node_id      text NOT NULL,
  dataset      text NOT NULL,
  status       text NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed', 'expired')),
  config       jsonb NOT NULL DEFAULT '{}',
  message      jsonb,
  params_digest text,
  deadline     timestamptz NOT NULL,
  reply        jsonb,
  reply_sizes  jsonb,
  reply_params bytea,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fl_work_node_idx ON fl_work (node_id, status, created_at) WHERE status = 'pending';
CREATE INDEX fl_work_training_idx ON fl_work (training_id, round);
