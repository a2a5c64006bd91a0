-- Issue 11: what a job's escrow holds and how it was settled. A row is written once the owner's
-- funds are held (a pending ledger transfer job:<id>:escrow), before the job itself, so a job is
-- never queued unpaid; the settlement decided for it (transfers with amounts) is kept in `plan`
-- before it is applied, so a retry after a crash repeats it exactly, whatever the parameters are by
-- then. Amounts are units as NUMERIC(39,0).
CREATE TABLE job_billing (
  job_id            text PRIMARY KEY,
  owner             text NOT NULL,
  resource_class    text NOT NULL CHECK (resource_class IN ('cpu', 'gpu')),
  price_per_second  NUMERIC(39,0) NOT NULL CHECK (price_per_second >= 0),
  limit_seconds     integer NOT NULL CHECK (limit_seconds > 0),
  escrow            NUMERIC(39,0) NOT NULL CHECK (escrow > 0),
  status            text NOT NULL DEFAULT 'escrowed' CHECK (status IN ('escrowed', 'settled', 'refunded')),
  -- { outcome, total, transfers: [...] } once decided; amounts as decimal strings.
  plan              jsonb,
  charged           NUMERIC(39,0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  settled_at        timestamptz
);
CREATE INDEX job_billing_open ON job_billing (created_at) WHERE status = 'escrowed';
