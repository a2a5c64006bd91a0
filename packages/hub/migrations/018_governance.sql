-- Issue 11: governance of the network parameters. network_parameters is the one governed table
-- every domain reads (seeded with the genesis values at the first start; after that only an
-- executed proposal changes a row). Proposals carry the rules they are judged by and the journal
-- seq of their snapshot: vote weights are balances plus stake after that entry, so tokens moved
-- later do not count twice. Every step is an event of a hash-chained log the hub signs (the
-- ledger journal carries transfers of positive amounts only).
CREATE TABLE network_parameters (
  name         text PRIMARY KEY,
  value        text NOT NULL CHECK (value ~ '^[0-9]{1,39}$'),
  updated_at   timestamptz,
  proposal_id  text
);

CREATE TABLE governance_proposals (
  id                text PRIMARY KEY,
  proposer          text NOT NULL,
  description       text NOT NULL,
  changes           jsonb NOT NULL,
  snapshot_seq      bigint NOT NULL,
  supply            NUMERIC(39,0) NOT NULL CHECK (supply >= 0),
  rules             jsonb NOT NULL,
  voting_starts_at  timestamptz NOT NULL,
  voting_ends_at    timestamptz NOT NULL,
  eta               timestamptz NOT NULL,
  status            text NOT NULL CHECK (status IN ('pending', 'active', 'defeated', 'succeeded', 'queued', 'executed', 'cancelled')),
  reason            text,
  created_at        timestamptz NOT NULL,
  queued_at         timestamptz,
  executed_at       timestamptz,
  closed_at         timestamptz
);
CREATE INDEX governance_proposals_created_idx ON governance_proposals (created_at DESC, id DESC);
-- The upkeep's work: proposals still to open, decide or execute.
CREATE INDEX governance_proposals_open_idx ON governance_proposals (status) WHERE status IN ('pending', 'active', 'queued');

CREATE TABLE governance_votes (
  proposal_id  text NOT NULL REFERENCES governance_proposals (id),
  voter        text NOT NULL,
  support      text NOT NULL CHECK (support IN ('for', 'against', 'abstain')),
  weight       NUMERIC(39,0) NOT NULL CHECK (weight > 0),
  at           timestamptz NOT NULL,
  PRIMARY KEY (proposal_id, voter)
);

CREATE TABLE governance_events (
  seq          bigint PRIMARY KEY,
  proposal_id  text,
  kind         text NOT NULL,
  data         jsonb NOT NULL,
  at           text NOT NULL,
  prev         text NOT NULL,
  hash         text NOT NULL,
  hub_key      text NOT NULL,
  signature    text NOT NULL
);
