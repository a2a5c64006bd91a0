/**
 * Market search latency: 100,000 listings (titles, descriptions and tags drawn from a marketplace
 * vocabulary: a head of common words with a Zipf tail, phrases that occur as such; the commonest
 * words are in most listings, most words in a few), then searches one at a time through the hub's
 * own search SQL (ListingStore.search: websearch_to_tsquery and the facet filters matched on the
 * generated tsvector under its GIN index, price and rating ranges, ts_rank over a tier of the
 * newest matches, (tier, rank, id) paging), with varied text (one to three words, quoted phrases,
 * exclusions, alternatives), filters (kind, access, tag, licence, price range, rating), second pages
 * by cursor, and browsing by filters alone, after 1,000 warm-up searches. Baseline in the same run, on the same rows: a plain
 * ILIKE scan for the same words and filters (each word in the title, tags or description), newest
 * first, as a search without a text index would do. On PGlite and, with W3AI_TEST_DATABASE_URL, on
 * PostgreSQL (a fresh schema, dropped after). Target: p99 <= 20 ms on PostgreSQL.
 *
 *   npm run bench -- market-search [--listings 100000] [--searches 1000] [--baseline 200]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { dropSchema, freshDatabaseUrl, seedPgliteHome } from '@w3ai/hub/testing'
import { seededRandom, type Random } from '@w3ai/util'
import { openDatabase } from '../packages/hub/src/db/open.js'
import type { Database } from '../packages/hub/src/db/types.js'
import { ListingStore, RANK_TIER, type ListingSearch } from '../packages/hub/src/domains/market/store.js'
import { printTable, writeResult } from './lib/report.js'

const { values } = parseArgs({
  options: {
    listings: { type: 'string', default: '100000' },
    searches: { type: 'string', default: '1000' },
    baseline: { type: 'string', default: '200' },
  },
})
const LISTINGS = Number(values.listings)
const SEARCHES = Number(values.searches)
const BASELINE = Number(values.baseline)
/** Searches before measuring (other words and filters than those measured): a running hub's steady state, its pages cached. */
const WARMUP = 1000
const BATCH = 2000
const PRICE_UNIT = 10n ** 15n
const pgUrl = process.env.W3AI_TEST_DATABASE_URL

// Marketplace words: tasks, domains, model families, data words; then a long tail of made-up terms.
const HEAD = (
  'image classification detection segmentation sentiment analysis translation summarization speech recognition ' +
  'forecasting recommendation retail shop purchases medical xray radiology clinical finance fraud credit churn ' +
  'customer support chatbot language english french german spanish vision transformer resnet bert llama whisper ' +
  'tabular timeseries sensor weather energy traffic satellite agriculture crops manufacturing defect quality ' +
  'audio music genre video action embedding search ranking anomaly regression clustering tokenizer multilingual ' +
  'legal contracts news articles reviews products fashion food recipes sports insurance claims housing prices'
).split(' ')
const TAIL = (() => {
  const syllables = ['ka', 'lo', 'mi', 'ran', 'tu', 'vek', 'sor', 'pi', 'den', 'zu', 'bal', 'nor', 'qui', 'fel', 'tra', 'mon']
  const random = seededRandom(7)
  const words = new Set<string>()
  while (words.size < 6000) words.add(Array.from({ length: 2 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * syllables.length)]).join(''))
  return [...words]
})()
/** Phrases that occur as such in listings (and are searched for in quotes). */
const PHRASES = ['image classification', 'object detection', 'sentiment analysis', 'speech recognition', 'machine translation', 'fraud detection', 'demand forecasting', 'customer churn', 'medical imaging', 'time series', 'product recommendation', 'anomaly detection', 'text summarization', 'named entity', 'defect detection', 'crop yield']
const FILLER = 'a the for with and of on in by from using trained fine-tuned dataset model small large fast accurate open'.split(' ')
const KINDS = ['model', 'dataset', 'app'] as const
const ACCESS = { model: ['download', 'per-call'], dataset: ['download', 'compute-only'], app: ['download', 'per-call'] } as const
const LICENCES = ['MIT', 'Apache-2.0', 'CC-BY-4.0', 'CC0-1.0', 'proprietary', 'OpenRAIL']

/** A word: mostly from the head (Zipf over it), sometimes from the tail (Zipf over it too). */
function word(random: Random): string {
  const zipf = (n: number): number => Math.min(n - 1, Math.floor(Math.exp(random() * Math.log(n + 1)) - 1))
  return random() < 0.7 ? HEAD[zipf(HEAD.length)]! : TAIL[zipf(TAIL.length)]!
}
const words = (random: Random, n: number): string[] => Array.from({ length: n }, () => word(random))

interface Row {
  id: string
  seller: string
  kind: string
  title: string
  description: string
  tags: string[]
  licence: string
  access: string
  price: string
  ratingCount: number
  ratingSum: number
  createdAt: string
}

function listing(i: number, random: Random): Row {
  const kind = KINDS[Math.floor(random() * 3)]!
  const access = ACCESS[kind][Math.floor(random() * 2)]!
  const title = [...words(random, 2 + Math.floor(random() * 4)), FILLER[Math.floor(random() * FILLER.length)]!].join(' ')
  const description = Array.from({ length: 20 + Math.floor(random() * 40) }, () => {
    const r = random()
    return r < 0.35 ? FILLER[Math.floor(random() * FILLER.length)]! : r < 0.4 ? PHRASES[Math.floor(random() * PHRASES.length)]! : word(random)
  }).join(' ')
  const tags = [...new Set(words(random, 1 + Math.floor(random() * 4)).filter((w) => /^[a-z0-9][a-z0-9-]{0,31}$/.test(w)))]
  const ratingCount = random() < 0.6 ? Math.floor(random() * 40) : 0
  return {
    id: `l_${i.toString(16).padStart(20, '0')}`,
    seller: `a_${Math.floor(random() * 5000).toString(16).padStart(20, '0')}`,
    kind,
    title,
    description,
    tags,
    licence: LICENCES[Math.floor(random() * LICENCES.length)]!,
    access,
    price: (PRICE_UNIT * BigInt(1 + Math.floor(random() * 10_000))).toString(),
    ratingCount,
    ratingSum: ratingCount === 0 ? 0 : Math.round(ratingCount * (1 + random() * 4)),
    createdAt: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
  }
}

/** Seeds the listings with multi-row INSERTs (unnest of column arrays), then ANALYZE. */
async function seed(db: Database): Promise<number> {
  const random = seededRandom(42)
  const t0 = performance.now()
  for (let start = 0; start < LISTINGS; start += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, LISTINGS - start) }, (_, k) => listing(start + k, random))
    const col = <K extends keyof Row>(k: K) => rows.map((r) => r[k])
    await db.query(
      `INSERT INTO market_listings (id, seller, kind, title, description, tags, tags_text, facets, licence, access, price, card, latest_version, latest_cid, rating_count, rating_sum, rating_mean, request_digest, created_at, updated_at, latest_at)
       SELECT id, seller, kind, title, description, string_to_array(tags, ' '), tags,
              ARRAY['kind:' || kind, 'access:' || access, 'licence:' || lower(licence)] || coalesce(array(SELECT 'tag:' || x FROM unnest(string_to_array(tags, ' ')) x), '{}'),
              licence, access, price::numeric, '{}'::jsonb, '1.0.0', 'bafk' || md5(id) || 'aaaaaaaaaaaaaaaaaaaa', rc, rs,
              CASE WHEN rc = 0 THEN 0 ELSE rs::real / rc END, 'bench', at::timestamptz, at::timestamptz, at::timestamptz
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[], $11::int[], $12::text[])
         AS t(id, seller, kind, title, description, tags, licence, access, price, rc, rs, at)`,
      [col('id'), col('seller'), col('kind'), col('title'), col('description'), rows.map((r) => r.tags.join(' ')), col('licence'), col('access'), col('price'), col('ratingCount'), col('ratingSum'), col('createdAt')],
    )
  }
  await db.query('ANALYZE market_listings')
  return (performance.now() - t0) / 1000
}

/** The varied searches, the same for every backend and the baseline. */
function searches(count: number, seed: number): ListingSearch[] {
  const random = seededRandom(seed)
  return Array.from({ length: count }, () => {
    const s: ListingSearch = { limit: 20 }
    const shape = random()
    if (shape < 0.85) {
      const n = 1 + Math.floor(random() * 3)
      const w = words(random, n)
      s.q =
        shape < 0.08 ? `"${PHRASES[Math.floor(random() * PHRASES.length)]}"`
        : shape < 0.14 && n > 1 && w[0] !== w[1] ? `${w[0]} -${w[1]}`
        : shape < 0.2 && n > 1 ? w.join(' or ')
        : w.join(' ')
    }
    if (random() < 0.35) s.kind = KINDS[Math.floor(random() * 3)]!
    if (random() < 0.1 && s.kind !== undefined) s.access = ACCESS[s.kind][Math.floor(random() * 2)]!
    if (random() < 0.15) s.tag = HEAD[Math.floor(random() * 20)]!
    if (random() < 0.1) s.licence = LICENCES[Math.floor(random() * LICENCES.length)]!
    if (random() < 0.2) s.maxPrice = PRICE_UNIT * BigInt(100 + Math.floor(random() * 3000))
    // A price range the route accepts: min <= max.
    if (random() < 0.1) s.minPrice = PRICE_UNIT * BigInt(Math.floor(random() * Number((s.maxPrice ?? 10_000n * PRICE_UNIT) / PRICE_UNIT)))
    if (random() < 0.15) s.minRating = 2 + Math.floor(random() * 6) / 2
    return s
  })
}

/** The same search as a plain ILIKE scan: each word in the title, tags or description; newest first. */
async function ilike(db: Database, s: ListingSearch): Promise<number> {
  const params: unknown[] = []
  const p = (v: unknown): string => `$${params.push(v)}`
  const where: string[] = []
  const q = s.q ?? ''
  // A quoted phrase is one pattern; otherwise each word (or its exclusion), 'or' read as and.
  const text = q.startsWith('"') ? [q.slice(1, -1)] : q.split(/\s+/).filter((w) => w !== '' && w !== 'or')
  for (const w of text) {
    const negated = w.startsWith('-')
    const pattern = p(`%${negated ? w.slice(1) : w}%`)
    const any = `(l.title ILIKE ${pattern} OR l.tags_text ILIKE ${pattern} OR l.description ILIKE ${pattern})`
    where.push(negated ? `NOT ${any}` : any)
  }
  if (s.kind !== undefined) where.push(`l.kind = ${p(s.kind)}`)
  if (s.access !== undefined) where.push(`l.access = ${p(s.access)}`)
  if (s.tag !== undefined) where.push(`l.tags @> ARRAY[${p(s.tag)}]::text[]`)
  if (s.licence !== undefined) where.push(`l.licence = ${p(s.licence)}`)
  if (s.minPrice !== undefined) where.push(`l.price >= ${p(s.minPrice.toString())}::numeric`)
  if (s.maxPrice !== undefined) where.push(`l.price <= ${p(s.maxPrice.toString())}::numeric`)
  if (s.minRating !== undefined) where.push(`l.rating_mean >= ${p(s.minRating)}::real`)
  const r = await db.query(
    `SELECT l.id, l.title, l.description, l.tags, l.price::text FROM market_listings l ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY l.created_at DESC, l.id DESC LIMIT 21`,
    params,
  )
  return r.rows.length
}

const percentile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN

interface Timing {
  p50: number
  p99: number
  mean: number
  max: number
  count: number
}

function timing(ms: number[]): Timing {
  const sorted = [...ms].sort((a, b) => a - b)
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean: ms.reduce((a, b) => a + b, 0) / ms.length, max: sorted.at(-1) ?? NaN, count: ms.length }
}

interface BackendRun {
  backend: 'pglite' | 'postgres'
  seedSeconds: number
  search: Timing
  textOnly: Timing
  secondPages: Timing
  ilike: Timing
  meanHits: number
}

async function run(backend: 'pglite' | 'postgres'): Promise<BackendRun> {
  const home = await mkdtemp(join(tmpdir(), 'w3ai-bench-market-'))
  const url = backend === 'postgres' ? freshDatabaseUrl('postgres', { W3AI_TEST_DATABASE_URL: pgUrl }) : undefined
  if (url === undefined) await seedPgliteHome(home)
  const db = await openDatabase({ home, databaseUrl: url })
  try {
    const seedSeconds = await seed(db)
    process.stdout.write(`${backend}: seeded ${LISTINGS.toLocaleString('en-US')} listings in ${seedSeconds.toFixed(1)} s\n`)
    const store = new ListingStore(db)
    for (const s of searches(WARMUP, 1)) await store.search(s)
    const all = searches(SEARCHES, 2)
    const ms: number[] = []
    const textMs: number[] = []
    const pageMs: number[] = []
    let hits = 0
    for (const s of all) {
      const t0 = performance.now()
      const page = await store.search(s)
      const dt = performance.now() - t0
      ms.push(dt)
      if (s.q !== undefined) textMs.push(dt)
      hits += page.items.length
      // Every fifth search also asks for its second page, by cursor.
      if (page.nextCursor !== null && pageMs.length * 5 < ms.length) {
        const t1 = performance.now()
        await store.search({ ...s, cursor: page.nextCursor })
        const dp = performance.now() - t1
        pageMs.push(dp)
        ms.push(dp)
      }
    }
    const base: number[] = []
    for (const s of all.slice(0, BASELINE)) {
      const t0 = performance.now()
      await ilike(db, s)
      base.push(performance.now() - t0)
    }
    return { backend, seedSeconds, search: timing(ms), textOnly: timing(textMs), secondPages: timing(pageMs), ilike: timing(base), meanHits: hits / all.length }
  } finally {
    await db.close()
    if (url !== undefined) await dropSchema(url)
    await rm(home, { recursive: true, force: true })
  }
}

const runs: BackendRun[] = [await run('pglite')]
if (pgUrl) runs.push(await run('postgres'))
else console.log('\nW3AI_TEST_DATABASE_URL is not set: the PostgreSQL run is skipped.')

const rows: Array<Array<string | number>> = []
for (const r of runs) {
  rows.push([`hub search (FTS, GIN, ts_rank), ${r.backend}`, r.search.count, r.search.p50, r.search.p99, r.search.mean, r.search.max, `${(r.ilike.p50 / r.search.p50).toFixed(1)}x`])
  rows.push([`  with text only`, r.textOnly.count, r.textOnly.p50, r.textOnly.p99, r.textOnly.mean, r.textOnly.max, ''])
  rows.push([`  second pages by cursor`, r.secondPages.count, r.secondPages.p50, r.secondPages.p99, r.secondPages.mean, r.secondPages.max, ''])
  rows.push([`plain ILIKE scan (baseline), ${r.backend}`, r.ilike.count, r.ilike.p50, r.ilike.p99, r.ilike.mean, r.ilike.max, '1.0x'])
}
printTable(`Market search over ${LISTINGS.toLocaleString('en-US')} listings, one search at a time (ms)`, ['run', 'searches', 'p50', 'p99', 'mean', 'max', 'p50 speed-up vs ILIKE'], rows)

const pg = runs.find((r) => r.backend === 'postgres')
const lite = runs.find((r) => r.backend === 'pglite') as BackendRun
if (pg) console.log(`\nPostgreSQL p99 ${pg.search.p99.toFixed(2)} ms (target <= 20 ms: ${pg.search.p99 <= 20 ? 'met' : 'missed'})`)

const round = (t: Timing) => ({ p50: +t.p50.toFixed(3), p99: +t.p99.toFixed(3), mean: +t.mean.toFixed(3), max: +t.max.toFixed(3), count: t.count })
const path = await writeResult('market-search', {
  mode: 'in-process ListingStore.search (the hub route’s SQL, no HTTP), one search at a time, 20 per page, every fifth also its second page; baseline: ILIKE scan of the same words and filters, newest first',
  rankTier: RANK_TIER,
  warmupSearches: WARMUP,
  listings: LISTINGS,
  searches: SEARCHES,
  p50MsPostgres: pg ? +pg.search.p50.toFixed(3) : null,
  p99MsPostgres: pg ? +pg.search.p99.toFixed(3) : null,
  p50MsPglite: +lite.search.p50.toFixed(3),
  p99MsPglite: +lite.search.p99.toFixed(3),
  baselineIlikeP50MsPostgres: pg ? +pg.ilike.p50.toFixed(3) : null,
  baselineIlikeP99MsPostgres: pg ? +pg.ilike.p99.toFixed(3) : null,
  baselineIlikeP50MsPglite: +lite.ilike.p50.toFixed(3),
  baselineIlikeP99MsPglite: +lite.ilike.p99.toFixed(3),
  targetMet: pg ? pg.search.p99 <= 20 : null,
  runs: runs.map((r) => ({ backend: r.backend, seedSeconds: +r.seedSeconds.toFixed(1), meanHitsPerPage: +r.meanHits.toFixed(1), search: round(r.search), textOnly: round(r.textOnly), secondPages: round(r.secondPages), ilike: round(r.ilike) })),
  loadAverage: loadavg()[0],
  note: pgUrl ? undefined : 'W3AI_TEST_DATABASE_URL unset: PostgreSQL skipped',
})
console.log(`\nwrote ${path}`)
