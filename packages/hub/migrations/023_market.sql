-- Issue 12: the marketplace. Listings of models, datasets and apps (their content stays encrypted
-- in W3S: a version names a stored object by CID), searched by full text over a tsvector kept by
-- the database (a generated column: title and tags weigh A, the description B) under a GIN index;
-- orders paid through the ledger (a pending hold mk:<order>:hold into escrow:mk:<order>, then one
-- settlement, decided and kept in `plan` before it is applied, so a retry after a crash repeats it
-- exactly); per-call use; reviews by buyers, one per order. Amounts are units as NUMERIC(39,0).
CREATE TABLE market_listings (
  id              text PRIMARY KEY,
  -- Insertion order: text searches rank in tiers of the newest matches by it (see ListingStore.search).
  seq             bigint GENERATED ALWAYS AS IDENTITY,
  seller          text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('model', 'dataset', 'app')),
  title           text NOT NULL,
  description     text NOT NULL DEFAULT '',
  tags            text[] NOT NULL DEFAULT '{}',
  -- The tags joined by spaces: what the search vector reads (array_to_string is not immutable).
  tags_text       text NOT NULL DEFAULT '',
  -- Facets as lexemes (kind:model, access:download, licence:mit, tag:retail): in the search vector
  -- too, so a search's filters narrow it inside the one text index scan.
  facets          text[] NOT NULL DEFAULT '{}',
  licence         text NOT NULL,
  access          text NOT NULL CHECK (access IN ('download', 'compute-only', 'per-call')),
  price           NUMERIC(39,0) NOT NULL CHECK (price >= 0),
  card            jsonb NOT NULL DEFAULT '{}',
  latest_version  text NOT NULL,
  latest_cid      text NOT NULL,
  latest_at       timestamptz NOT NULL DEFAULT now(),
  rating_count    integer NOT NULL DEFAULT 0,
  rating_sum      integer NOT NULL DEFAULT 0,
  rating_mean     real NOT NULL DEFAULT 0,
  idempotency_key text,
  request_digest  text NOT NULL,
  search          tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', title), 'A')
                    || setweight(to_tsvector('english', tags_text), 'A')
                    || setweight(to_tsvector('english', description), 'B')
                    || array_to_tsvector(facets)
                  ) STORED,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
-- fastupdate off: a search never scans a pending list of recent inserts (PGlite runs no autovacuum
-- to merge one); listings are written far less often than searched.
CREATE INDEX market_listings_search_idx ON market_listings USING gin (search) WITH (fastupdate = off);
-- Statistics of ten times as many lexemes: the planner's estimate of how many listings a word
-- matches decides between walking the newest listings and taking the index's bitmap.
ALTER TABLE market_listings ALTER COLUMN search SET STATISTICS 1000;
CREATE INDEX market_listings_newest_idx ON market_listings (created_at DESC, id DESC);
CREATE UNIQUE INDEX market_listings_seq_idx ON market_listings (seq);
-- Range filters the planner may combine with the text index (a bitmap AND) instead of checking rows.
CREATE INDEX market_listings_price_idx ON market_listings (price);
CREATE INDEX market_listings_rating_idx ON market_listings (rating_mean);
CREATE INDEX market_listings_seller_idx ON market_listings (seller, created_at DESC);
CREATE UNIQUE INDEX market_listings_idempotency_idx ON market_listings (seller, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE market_versions (
  listing_id  text NOT NULL REFERENCES market_listings (id) ON DELETE CASCADE,
  version     text NOT NULL,
  cid         text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (listing_id, version)
);
CREATE INDEX market_versions_order_idx ON market_versions (listing_id, created_at);

CREATE TABLE market_orders (
  id              text PRIMARY KEY,
  listing_id      text NOT NULL REFERENCES market_listings (id),
  buyer           text NOT NULL,
  seller          text NOT NULL,
  mode            text NOT NULL CHECK (mode IN ('download', 'compute-only', 'per-call')),
  price           NUMERIC(39,0) NOT NULL CHECK (price >= 0),
  amount          NUMERIC(39,0) NOT NULL CHECK (amount > 0),
  version         text NOT NULL,
  cid             text NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'fulfilled', 'refunded', 'active', 'exhausted')),
  deadline        timestamptz NOT NULL,
  calls           integer,
  used            integer NOT NULL DEFAULT 0,
  -- download: the object key wrapped to the buyer by the seller's side (the hub cannot open it).
  wrapped_key     jsonb,
  -- The settlement once decided: { outcome: 'pay' | 'refund', total, seller, chain: [...] }; applied once done.
  plan            jsonb,
  applied         boolean NOT NULL DEFAULT false,
  paid            NUMERIC(39,0),
  idempotency_key text,
  request_digest  text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX market_orders_buyer_idx ON market_orders (buyer, created_at DESC);
CREATE INDEX market_orders_seller_idx ON market_orders (seller, created_at DESC);
CREATE INDEX market_orders_listing_idx ON market_orders (listing_id);
CREATE INDEX market_orders_due_idx ON market_orders (deadline) WHERE status IN ('pending', 'active');
CREATE INDEX market_orders_unapplied_idx ON market_orders (updated_at) WHERE plan IS NOT NULL AND NOT applied;
CREATE UNIQUE INDEX market_orders_idempotency_idx ON market_orders (buyer, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- One row per per-call request counted against an allowance: the same request id counts once.
CREATE TABLE market_calls (
  order_id    text NOT NULL REFERENCES market_orders (id),
  request_id  text NOT NULL,
  seq         integer NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, request_id)
);

CREATE TABLE market_reviews (
  id          text PRIMARY KEY,
  order_id    text NOT NULL UNIQUE REFERENCES market_orders (id),
  listing_id  text NOT NULL REFERENCES market_listings (id),
  buyer       text NOT NULL,
  rating      smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  text        text NOT NULL DEFAULT '',
  answer      text,
  answered_at timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX market_reviews_listing_idx ON market_reviews (listing_id, created_at DESC);
