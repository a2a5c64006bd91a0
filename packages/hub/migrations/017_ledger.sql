-- Issue 11: the token ledger. Amounts are units (1 token = 10^18) as NUMERIC(39,0): every value up
-- to 2^127 - 1 fits exactly, never a float. Accounts hold four running sums (TigerBeetle's shape),
-- never a stored balance. The journal is hash-chained (each entry names the previous one's hash)
-- and grouped into blocks the hub signs; anyone can page through both and check them.
CREATE TABLE ledger_accounts (
  -- Byte order ("C"), so account pages follow the same order on every database and in JavaScript.
  id                              text COLLATE "C" PRIMARY KEY,
  kind                            text NOT NULL CHECK (kind IN ('user', 'node', 'treasury', 'burn', 'escrow', 'stake', 'faucet', 'genesis')),
  owner                           text,
  debits_must_not_exceed_credits  boolean NOT NULL,
  credits_must_not_exceed_debits  boolean NOT NULL,
  debits_posted                   NUMERIC(39,0) NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
  credits_posted                  NUMERIC(39,0) NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
  debits_pending                  NUMERIC(39,0) NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
  credits_pending                 NUMERIC(39,0) NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
  created_at                      timestamptz NOT NULL DEFAULT now()
-- Room on each page, so the sums of a hot account are updated in place (HOT: no index write).
) WITH (fillfactor = 70);

-- Applied transfers only (a refused one leaves nothing: its id may be tried again).
CREATE TABLE ledger_transfers (
  id          text PRIMARY KEY,
  debit       text NOT NULL,
  credit      text NOT NULL,
  amount      NUMERIC(39,0) NOT NULL CHECK (amount > 0),
  kind        text NOT NULL,
  action      text NOT NULL CHECK (action IN ('transfer', 'pending', 'post', 'void')),
  status      text NOT NULL CHECK (status IN ('posted', 'pending', 'voided', 'expired')),
  pending_id  text,
  timeout_ms  bigint,
  timeout_at  timestamptz,
  memo        text,
  seq         bigint NOT NULL,
  at          text NOT NULL
);
-- Pending transfers past their deadline are found here to expire them.
CREATE INDEX ledger_transfers_pending_idx ON ledger_transfers (timeout_at) WHERE status = 'pending';
-- The faucet's per-account cap sums what an account already took.
CREATE INDEX ledger_transfers_faucet_idx ON ledger_transfers (credit) WHERE kind = 'faucet';

CREATE TABLE ledger_journal (
  seq          bigint PRIMARY KEY,
  transfer_id  text NOT NULL,
  kind         text NOT NULL,
  action       text NOT NULL,
  debit        text NOT NULL,
  credit       text NOT NULL,
  amount       NUMERIC(39,0) NOT NULL,
  pending      boolean NOT NULL,
  pending_id   text,
  memo         text,
  at           text NOT NULL,
  prev         text NOT NULL,
  hash         text NOT NULL
);
-- A wallet's history: the entries that debit or credit one account, newest first.
CREATE INDEX ledger_journal_debit_idx ON ledger_journal (debit, seq DESC);
CREATE INDEX ledger_journal_credit_idx ON ledger_journal (credit, seq DESC);

CREATE TABLE ledger_blocks (
  height           bigint PRIMARY KEY,
  first_seq        bigint NOT NULL,
  last_seq         bigint NOT NULL,
  last_hash        text NOT NULL,
  prev_block_hash  text NOT NULL,
  at               text NOT NULL,
  hub_key          text NOT NULL,
  signature        text NOT NULL
);
