/**
 * SQL of market listings and their versions, and the search. The search vector is a generated
 * column (title and tags weigh A, the description B, and the facets kind:, access:, licence:, tag:
 * as lexemes) under a GIN index, so words and facet filters meet in one index condition; price and
 * rating ranges have btree indexes the planner may combine with it. A text search ranks with
 * ts_rank in tiers of the newest matches (RANK_TIER) and pages on (tier, rank, id) as of the
 * newest listing at its first page; a browse without text pages newest first on (created_at, id).
 */
import { createHash } from 'node:crypto'
import { DEFAULT_SEARCH_LIMIT, type AccessMode, type Card, type Listing, type ListingKind, type ListingSummary, type ListingVersion } from '@w3ai/protocol'
import type { Database, Queryable } from '../../db/types.js'
import { decodeCursor, encodeCursor, keysetTime, type Page } from '../../infra/paging.js'

export interface NewListing {
  id: string
  seller: string
  kind: ListingKind
  title: string
  description: string
  tags: string[]
  licence: string
  access: AccessMode
  price: bigint
  card: Card
  version: string
  cid: string
  idempotencyKey: string | undefined
  requestDigest: string
}

export interface ListingChanges {
  title?: string
  description?: string
  tags?: string[]
  licence?: string
  price?: bigint
  card?: Card
}

/** A search as the store runs it: prices as bigint, the text as given (blank: no text search). */
export interface ListingSearch {
  q?: string
  kind?: ListingKind
  access?: AccessMode
  tag?: string
  licence?: string
  seller?: string
  minPrice?: bigint
  maxPrice?: bigint
  minRating?: number
  limit?: number
  cursor?: string
}

interface RawListing {
  id: string
  seller: string
  kind: ListingKind
  title: string
  description: string
  tags: string[]
  licence: string
  access: AccessMode
  price: string | number
  latest_version: string
  latest_cid: string
  latest_at: Date | string
  rating_count: number
  rating_sum: number
  created_at: Date | string
  updated_at: Date | string
}

const iso = (v: Date | string): string => new Date(v).toISOString()
const units = (v: string | number): string => BigInt(typeof v === 'number' ? Math.trunc(v) : v).toString()
/** The mean rating to two decimals (0 without ratings). */
export const meanRating = (sum: number, count: number): number => (count === 0 ? 0 : Math.round((sum / count) * 100) / 100)

const SUMMARY_COLUMNS = `l.id, l.seller, l.kind, l.title, l.description, l.tags, l.licence, l.access, l.price::text AS price,
  l.latest_version, l.latest_cid, l.latest_at, l.rating_count, l.rating_sum, l.created_at, l.updated_at`

const SUMMARY_NAMES = 'id, seller, kind, title, description, tags, licence, access, price, latest_version, latest_cid, latest_at, rating_count, rating_sum, created_at, updated_at'

const toSummary = (r: RawListing): ListingSummary => ({
  id: r.id,
  seller: r.seller,
  kind: r.kind,
  title: r.title,
  description: r.description,
  tags: r.tags,
  licence: r.licence,
  access: r.access,
  price: units(r.price),
  latest: { version: r.latest_version, cid: r.latest_cid, createdAt: iso(r.latest_at) },
  rating: { mean: meanRating(Number(r.rating_sum), Number(r.rating_count)), count: Number(r.rating_count) },
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
})

const ID = /^l_[0-9a-f]{20}$/
/**
 * A text search ranks its matches in tiers of this many, newest first by insertion: the best of
 * the newest RANK_TIER matches, then the best of the next RANK_TIER, and so on. Ranking needs each
 * candidate's vector, so ranking every match of a word found in most listings would cost a pass
 * over most of the table per page; a tier costs about the same whatever the words (the planner
 * walks the newest listings for common words, takes the text index's bitmap for rare ones).
 * Searches with fewer matches than a tier (most multi-word or filtered ones) are ranked in full.
 */
export const RANK_TIER = 100
const SEQ = /^[0-9]{1,19}$/
const TIER = /^[0-9]{1,6}$/
const MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/
/** A real as PostgreSQL prints it (shortest exact form, so it reads back to the same value). */
const REAL = /^(-?[0-9][0-9.e+-]{0,31}|NaN|-?Infinity)$/

/** Where one search's cursors belong: the same text and filters (another search's cursor is INVALID_CURSOR). */
function searchList(s: ListingSearch, ranked: boolean): string {
  const { limit: _limit, cursor: _cursor, ...filters } = s
  const key = JSON.stringify(filters, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
  return `market:${ranked ? 'rank' : 'new'}:${createHash('sha256').update(key).digest('base64url').slice(0, 12)}`
}

export class ListingStore {
  constructor(private readonly db: Database) {}

  /** Inserts a listing and its first version; with an idempotency key this seller already used, answers that listing instead. */
  async create(l: NewListing): Promise<{ listing: Listing; created: boolean; requestDigest: string }> {
    const created = await this.db.transaction(async (tx) => {
      const r = await tx.query(
        `INSERT INTO market_listings (id, seller, kind, title, description, tags, tags_text, facets, licence, access, price, card, latest_version, latest_cid, idempotency_key, request_digest)
         VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8::text[], $9, $10, $11::numeric, $12::jsonb, $13, $14, $15, $16)
         ON CONFLICT (seller, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id`,
        [l.id, l.seller, l.kind, l.title, l.description, l.tags, l.tags.join(' '), facetsOf(l), l.licence, l.access, l.price.toString(), JSON.stringify(l.card), l.version, l.cid, l.idempotencyKey ?? null, l.requestDigest],
      )
      if (r.rows.length === 0) return false
      await tx.query(`INSERT INTO market_versions (listing_id, version, cid, created_at) SELECT id, latest_version, latest_cid, latest_at FROM market_listings WHERE id = $1`, [l.id])
      return true
    })
    const found = await this.db.query<{ id: string; request_digest: string }>(
      created ? 'SELECT id, request_digest FROM market_listings WHERE id = $1' : 'SELECT id, request_digest FROM market_listings WHERE seller = $2 AND idempotency_key = $1',
      created ? [l.id] : [l.idempotencyKey, l.seller],
    )
    const row = found.rows[0]
    const listing = row === undefined ? undefined : await this.get(row.id)
    if (row === undefined || listing === undefined) throw new Error(`listing ${l.id} vanished after insert`)
    return { listing, created, requestDigest: row.request_digest }
  }

  /** A listing with its card and every version, oldest first. */
  async get(id: string, q: Queryable = this.db): Promise<Listing | undefined> {
    const r = await q.query<RawListing & { card: Card }>(`SELECT ${SUMMARY_COLUMNS}, l.card FROM market_listings l WHERE l.id = $1`, [id])
    const row = r.rows[0]
    if (row === undefined) return undefined
    const v = await q.query<{ version: string; cid: string; created_at: Date | string }>('SELECT version, cid, created_at FROM market_versions WHERE listing_id = $1 ORDER BY created_at, version', [id])
    const { latest: _latest, ...summary } = toSummary(row)
    const versions: ListingVersion[] = v.rows.map((x) => ({ version: x.version, cid: x.cid, createdAt: iso(x.created_at) }))
    return { ...summary, versions, card: row.card }
  }

  /** Just who sells it and its latest version (what buying reads); undefined when there is no such listing. */
  async head(id: string): Promise<Pick<ListingSummary, 'id' | 'seller' | 'access' | 'price' | 'latest'> | undefined> {
    const r = await this.db.query<RawListing>(`SELECT ${SUMMARY_COLUMNS} FROM market_listings l WHERE l.id = $1`, [id])
    const row = r.rows[0]
    return row === undefined ? undefined : toSummary(row)
  }

  async seller(id: string): Promise<string | undefined> {
    const r = await this.db.query<{ seller: string }>('SELECT seller FROM market_listings WHERE id = $1', [id])
    return r.rows[0]?.seller
  }

  /** Applies the changes named (the search vector follows by itself). */
  async update(id: string, c: ListingChanges): Promise<Listing | undefined> {
    const sets: string[] = []
    const params: unknown[] = [id]
    const set = (column: string, value: unknown, cast = ''): void => void sets.push(`${column} = $${params.push(value)}${cast}`)
    if (c.title !== undefined) set('title', c.title)
    if (c.description !== undefined) set('description', c.description)
    if (c.tags !== undefined) {
      set('tags', c.tags, '::text[]')
      set('tags_text', c.tags.join(' '))
    }
    if (c.licence !== undefined) set('licence', c.licence)
    if (c.tags !== undefined || c.licence !== undefined) {
      const now = await this.db.query<{ kind: ListingKind; access: AccessMode; licence: string; tags: string[] }>('SELECT kind, access, licence, tags FROM market_listings WHERE id = $1', [id])
      const row = now.rows[0]
      if (row !== undefined) set('facets', facetsOf({ ...row, ...(c.tags === undefined ? {} : { tags: c.tags }), ...(c.licence === undefined ? {} : { licence: c.licence }) }), '::text[]')
    }
    if (c.price !== undefined) set('price', c.price.toString(), '::numeric')
    if (c.card !== undefined) set('card', JSON.stringify(c.card), '::jsonb')
    if (sets.length > 0) await this.db.query(`UPDATE market_listings SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, params)
    return this.get(id)
  }

  /** Adds a version and makes it the latest; false when the listing has a version of that name. */
  async addVersion(id: string, version: string, cid: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const r = await tx.query(`INSERT INTO market_versions (listing_id, version, cid) VALUES ($1, $2, $3) ON CONFLICT (listing_id, version) DO NOTHING RETURNING version`, [id, version, cid])
      if (r.rows.length === 0) return false
      await tx.query(
        `UPDATE market_listings l SET latest_version = v.version, latest_cid = v.cid, latest_at = v.created_at, updated_at = now()
         FROM market_versions v WHERE l.id = $1 AND v.listing_id = $1 AND v.version = $2`,
        [id, version],
      )
      return true
    })
  }

  async versionCount(id: string): Promise<number> {
    const r = await this.db.query<{ n: string | number }>('SELECT count(*) AS n FROM market_versions WHERE listing_id = $1', [id])
    return Number(r.rows[0]?.n ?? 0)
  }

  /**
   * One page of a search. With text: the listings matching it (websearch syntax), best rank
   * first, then by id; without: newest first. Filters narrow either.
   */
  async search(s: ListingSearch): Promise<Page<ListingSummary>> {
    const params: unknown[] = []
    const p = (v: unknown): string => `$${params.push(v)}`
    const where: string[] = []
    const facets = facetQuery(s)
    if (s.seller !== undefined) where.push(`l.seller = ${p(s.seller)}`)
    if (s.minPrice !== undefined) where.push(`l.price >= ${p(s.minPrice.toString())}::numeric`)
    if (s.maxPrice !== undefined) where.push(`l.price <= ${p(s.maxPrice.toString())}::numeric`)
    if (s.minRating !== undefined && s.minRating > 0) where.push(`l.rating_mean >= ${p(s.minRating)}::real`)
    const limit = s.limit ?? DEFAULT_SEARCH_LIMIT
    const text = s.q?.trim() ?? ''
    const ranked = text !== ''
    const list = searchList(s, ranked)
    if (!ranked) {
      if (facets !== undefined) where.push(`l.search @@ ${p(facets)}::tsquery`)
      if (s.cursor !== undefined) {
        const [at, id] = decodeCursor(list, s.cursor, [MICROS, ID]) as [string, string]
        const pt = p(at)
        where.push(`l.created_at <= ${pt}::timestamptz AND (l.created_at, l.id) < (${pt}::timestamptz, ${p(id)})`)
      }
      const r = await this.db.query<RawListing & { cursor_at: string }>(
        `SELECT ${SUMMARY_COLUMNS}, ${keysetTime('l.created_at')} AS cursor_at FROM market_listings l
         ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY l.created_at DESC, l.id DESC LIMIT ${p(limit + 1)}`,
        params,
      )
      return pageOf(r.rows, limit, (row) => encodeCursor(list, [row.cursor_at, row.id]))
    }
    let asOf: string
    let tier = 0
    let after: { rank: string; id: string } | undefined
    if (s.cursor !== undefined) {
      const [seq, t, rank, id] = decodeCursor(list, s.cursor, [SEQ, TIER, REAL, ID]) as [string, string, string, string]
      ;[asOf, tier, after] = [seq, Number(t), { rank, id }]
    } else {
      const newest = await this.db.query<{ seq: string | null }>('SELECT max(seq)::text AS seq FROM market_listings')
      if (newest.rows[0]?.seq == null) return { items: [], nextCursor: null }
      asOf = newest.rows[0].seq
    }
    const rows: Array<RankedRow & { tier: number }> = []
    for (;;) {
      const { ranked, complete } = await this.tier({ text, facets, where, params, asOf, tier, after, want: limit + 1 - rows.length })
      rows.push(...ranked.map((r) => ({ ...r, tier })))
      if (rows.length > limit || !complete) break
      tier++
      after = undefined
    }
    return pageOf(rows, limit, (row) => encodeCursor(list, [asOf, String(row.tier), row.rank_text, row.id]))
  }

  /**
   * One tier of a text search: the matches at positions tier×RANK_TIER.. of the newest first (as
   * of `asOf`), ranked, after the cursor's (rank, id) when given; `complete` when the tier was
   * full (older matches may follow in the next one).
   */
  private async tier(t: { text: string; facets: string | undefined; where: string[]; params: unknown[]; asOf: string; tier: number; after: { rank: string; id: string } | undefined; want: number }): Promise<{ ranked: RankedRow[]; complete: boolean }> {
    const params = [...t.params]
    const p = (v: unknown): string => `$${params.push(v)}`
    const query = `websearch_to_tsquery('english', ${p(t.text)})`
    // Filters on facets join the words in the one index condition; the rank is the words' alone.
    const match = t.facets === undefined ? query : `(${query} && ${p(t.facets)}::tsquery)`
    const where = [...t.where, `l.search @@ ${match}`, `l.seq <= ${p(t.asOf)}::bigint`]
    let after = ''
    if (t.after !== undefined) {
      const pr = p(t.after.rank)
      after = `WHERE m.rank < ${pr}::real OR (m.rank = ${pr}::real AND m.id > ${p(t.after.id)})`
    }
    // c: the tier's candidates (at most RANK_TIER, newest first); got: how many there are, also when
    // the cursor has passed them all (the lateral part is then empty, its columns null).
    const r = await this.db.query<RankedRow & { got: string | number }>(
      `WITH c AS (
         SELECT ${SUMMARY_COLUMNS}, l.search FROM market_listings l WHERE ${where.join(' AND ')}
         ORDER BY l.seq DESC OFFSET ${p(t.tier * RANK_TIER)} LIMIT ${RANK_TIER}
       )
       SELECT g.got, x.* FROM (SELECT count(*) AS got FROM c) g LEFT JOIN LATERAL (
         SELECT ${SUMMARY_NAMES}, m.rank::text AS rank_text FROM (SELECT c.*, ts_rank(c.search, ${query}) AS rank FROM c) m
         ${after} ORDER BY m.rank DESC, m.id LIMIT ${p(t.want)}
       ) x ON true`,
      params,
    )
    const got = Number(r.rows[0]?.got ?? 0)
    return { ranked: r.rows.filter((row) => row.id !== null), complete: got === RANK_TIER }
  }

  /** Recomputes a listing's rating from its reviews (in the review's transaction). */
  async rerate(tx: Queryable, listingId: string): Promise<void> {
    await tx.query(
      `UPDATE market_listings l SET rating_count = a.n, rating_sum = a.s, rating_mean = CASE WHEN a.n = 0 THEN 0 ELSE a.s::real / a.n END
       FROM (SELECT count(*)::int AS n, coalesce(sum(rating), 0)::int AS s FROM market_reviews WHERE listing_id = $1) a WHERE l.id = $1`,
      [listingId],
    )
  }
}

type RankedRow = RawListing & { rank_text: string }

/** A listing's facets as the search vector holds them. */
function facetsOf(l: { kind: string; access: string; licence: string; tags: readonly string[] }): string[] {
  return [`kind:${l.kind}`, `access:${l.access}`, `licence:${l.licence.toLowerCase()}`, ...l.tags.map((t) => `tag:${t}`)]
}

/** The search's facet filters as a tsquery (every one required), or undefined without any. */
function facetQuery(s: ListingSearch): string | undefined {
  const terms = [
    ...(s.kind === undefined ? [] : [`kind:${s.kind}`]),
    ...(s.access === undefined ? [] : [`access:${s.access}`]),
    ...(s.licence === undefined ? [] : [`licence:${s.licence.toLowerCase()}`]),
    ...(s.tag === undefined ? [] : [`tag:${s.tag}`]),
  ]
  // Quoted lexemes: the schemas allow no quote or backslash in any of them.
  return terms.length === 0 ? undefined : terms.map((t) => `'${t.replace(/['\\]/g, '')}'`).join(' & ')
}

function pageOf<R extends RawListing>(rows: R[], limit: number, cursor: (row: R) => string): Page<ListingSummary> {
  const kept = rows.slice(0, limit)
  const last = kept.at(-1)
  return { items: kept.map(toSummary), nextCursor: rows.length > limit && last !== undefined ? cursor(last) : null }
}
