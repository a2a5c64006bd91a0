-- Issue 8 B4: a result (or failure) sent late by the last lease holder, after upkeep expired the
-- lease while the hub was down, is still taken while no other node leased the task again. The
-- expired lease is kept on the task until the next claim.
ALTER TABLE tasks ADD COLUMN expired_lease_id text, ADD COLUMN expired_node text;

-- Progress reports the node's outbox sends again are recorded once per (task, lease, sequence).
CREATE TABLE task_progress (
  task_id  text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  lease_id text NOT NULL,
  seq      integer NOT NULL,
  PRIMARY KEY (task_id, lease_id, seq)
);
