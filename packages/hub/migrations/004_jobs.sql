-- Compute jobs and their tasks: a queue in the database, claimed with FOR UPDATE SKIP LOCKED.
CREATE TABLE jobs (
  id          text PRIMARY KEY,
  owner       text NOT NULL,
  executor    text NOT NULL,
  spec        jsonb NOT NULL,
  inputs      jsonb NOT NULL DEFAULT '{}',
  tolerance   double precision NOT NULL DEFAULT 0,
  status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('awaiting-keys', 'queued', 'running', 'succeeded', 'failed', 'cancelled')),
  priority    integer NOT NULL DEFAULT 0,
  replicas    integer NOT NULL DEFAULT 1,
  result      jsonb,
  error       jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX jobs_owner_idx ON jobs (owner, created_at DESC);

-- One row per attempt-able unit: a replica of a job, or a speculative copy of a straggler.
CREATE TABLE tasks (
  id               text PRIMARY KEY,
  job_id           text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  replica          integer NOT NULL,
  speculative      boolean NOT NULL DEFAULT false,
  owner            text NOT NULL,
  executor         text NOT NULL,
  priority         integer NOT NULL DEFAULT 0,
  status           text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'leased', 'succeeded', 'failed', 'cancelled')),
  assigned_node    text,
  excluded_nodes   text[] NOT NULL DEFAULT '{}',
  node_id          text,
  lease_id         text,
  leased_at        timestamptz,
  lease_expires_at timestamptz,
  attempts         integer NOT NULL DEFAULT 0,
  max_attempts     integer NOT NULL DEFAULT 3,
  not_before       timestamptz NOT NULL DEFAULT now(),
  result           jsonb,
  result_digest    text,
  error            jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_claim_idx ON tasks (status, not_before, priority DESC, created_at);
CREATE INDEX tasks_job_idx ON tasks (job_id);
-- Exactly-once: a replica of a job has at most one committed result, whatever copies ran.
CREATE UNIQUE INDEX tasks_one_result_idx ON tasks (job_id, replica) WHERE status = 'succeeded';

CREATE TABLE task_events (
  id      bigserial PRIMARY KEY,
  task_id text NOT NULL,
  job_id  text NOT NULL,
  at      timestamptz NOT NULL DEFAULT now(),
  kind    text NOT NULL,
  node_id text,
  detail  jsonb
);
CREATE INDEX task_events_job_idx ON task_events (job_id, id);

-- Input object keys wrapped to the nodes chosen for a job (confidential-by-key): a node can open a
-- job's inputs only while it holds a key here, and only nodes that do may claim its tasks.
CREATE TABLE job_keys (
  job_id      text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  node_id     text NOT NULL,
  object_cid  text NOT NULL,
  wrapped_key jsonb NOT NULL,
  PRIMARY KEY (job_id, node_id, object_cid)
);

-- Verification outcomes feed a per-node reputation in [0, 1] (moving average; wrong results cost it).
ALTER TABLE nodes ADD COLUMN verifications_passed integer NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN verifications_failed integer NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN reputation double precision NOT NULL DEFAULT 1;
