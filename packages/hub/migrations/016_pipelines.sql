-- Issue 10: secure inference pipelines. A pipeline splits an owner's rows into segments; each
-- posted segment is one compute job (its status, node and leases are read from the job tables, not
-- copied here). The client's collect step is recorded on the segment.
CREATE TABLE pipelines (
  id              text PRIMARY KEY,
  owner           text NOT NULL,
  model           text NOT NULL,
  privacy         text NOT NULL CHECK (privacy IN ('he', 'key')),
  row_count       bigint NOT NULL,
  segments        integer NOT NULL,
  keys            text,
  params          jsonb,
  idempotency_key text,
  request_digest  text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pipelines_owner_idx ON pipelines (owner, created_at DESC);
CREATE UNIQUE INDEX pipelines_idempotency_idx ON pipelines (owner, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE pipeline_segments (
  pipeline_id     text NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
  seg_index       integer NOT NULL,
  row_count       integer NOT NULL,
  input           text NOT NULL,
  job_id          text NOT NULL,
  -- The answer given to the post (the job's candidates), given again for the same idempotency key.
  answer          jsonb NOT NULL,
  idempotency_key text,
  request_digest  text NOT NULL,
  result          text,
  decrypted       boolean NOT NULL DEFAULT false,
  collected_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pipeline_id, seg_index)
);
CREATE INDEX pipeline_segments_job_idx ON pipeline_segments (job_id);
