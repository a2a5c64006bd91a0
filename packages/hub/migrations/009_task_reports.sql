-- Issue 8 B4: nodes keep a task's result or failure in an outbox and send it again until the hub
-- acknowledges it. What the hub decided for each report is kept by (task, lease): a report sent
-- again gets the same answer, and nothing is committed, settled or verified twice.
CREATE TABLE task_reports (
  task_id  text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  lease_id text NOT NULL,
  node_id  text NOT NULL,
  kind     text NOT NULL CHECK (kind IN ('complete', 'fail')),
  outcome  text NOT NULL,
  digest   text,
  at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, lease_id)
);
