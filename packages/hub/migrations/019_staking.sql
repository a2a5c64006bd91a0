-- Issue 11: staking, unbonding and storage payments. Balances live in the ledger (017) only: these
-- tables hold what the ledger cannot (when unbonded stake is released, which storage payments were
-- planned for which epoch), never a copy of an amount that moved.

-- Unstaked tokens wait in their own ledger account, stake:<node_id>:<id> (still slashable), until
-- release_at; the unbonding upkeep then pays that account's balance to node:<node_id>.
CREATE TABLE stake_unbonding (
  id           text PRIMARY KEY,
  node_id      text NOT NULL,
  -- What was unstaked (the balance left after slashes is the ledger account's).
  amount       NUMERIC(39,0) NOT NULL CHECK (amount > 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  release_at   timestamptz NOT NULL,
  released_at  timestamptz
);
CREATE INDEX stake_unbonding_due_idx ON stake_unbonding (release_at) WHERE released_at IS NULL;
CREATE INDEX stake_unbonding_node_idx ON stake_unbonding (node_id);

-- Storage paid from escrow:st:<upload_id>: the owner pays `amount` for `duration_ms` when the
-- upload completes; each storage epoch the upkeep plans the epoch's payments (nodes whose pieces
-- passed their audits, the fee split) into `plan`, applies them through the ledger under
-- deterministic ids and moves `paid_until` on. A plan is written once (the first hub wins), so
-- every hub applies the same transfers. Closing (object deleted, period over, upload abandoned)
-- refunds what is left in escrow to the owner.
CREATE TABLE storage_billing (
  upload_id     text PRIMARY KEY,
  owner         text NOT NULL,
  duration_ms   bigint NOT NULL CHECK (duration_ms > 0),
  -- Set when the upload completes and its escrow is paid.
  object_cid    text,
  stored_bytes  bigint,
  amount        NUMERIC(39,0),
  starts_at     timestamptz,
  ends_at       timestamptz,
  paid_until    timestamptz,
  plan_end      timestamptz,
  plan          jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  closed_at     timestamptz,
  refunded_at   timestamptz
);
CREATE INDEX storage_billing_open_idx ON storage_billing (paid_until) WHERE refunded_at IS NULL;
