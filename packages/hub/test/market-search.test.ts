import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/db/open.js'
import type { Database } from '../src/db/types.js'
import { ListingStore, RANK_TIER, type ListingSearch, type NewListing } from '../src/domains/market/store.js'
import { seedPgliteHome } from '../src/testing.js'
import { backends, codeOf, dropSchema, freshDatabaseUrl, tempHome } from './helpers.js'

const CID = `bafk${'a'.repeat(52)}`
let n = 0
const draft = (over: Partial<NewListing>): NewListing => {
  n++
  return {
    id: `l_${n.toString(16).padStart(20, '0')}`,
    seller: 'a_00000000000000000001',
    kind: 'dataset',
    title: `listing ${n}`,
    description: '',
    tags: [],
    licence: 'MIT',
    access: 'download',
    price: 10n ** 15n,
    card: {},
    version: '1.0.0',
    cid: CID,
    idempotencyKey: undefined,
    requestDigest: 'd',
    ...over,
  }
}

/**
 * The search SQL on its own (ListingStore.search), over more listings than one rank tier: the
 * words and facets match as websearch syntax says, the best rank comes first within a tier of the
 * newest matches, and paging by cursor gives every match once, in tiers newest first, whatever is
 * added meanwhile.
 */
describe.each(backends())('market search on %s', (backend) => {
  let db: Database
  let store: ListingStore
  let cleanup: () => Promise<void>
  const all = async (s: ListingSearch): Promise<string[]> => {
    const ids: string[] = []
    let cursor: string | undefined
    do {
      const page = await store.search({ ...s, ...(cursor === undefined ? {} : { cursor }) })
      ids.push(...page.items.map((l) => l.id))
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
    return ids
  }

  beforeAll(async () => {
    const home = await tempHome()
    const url = freshDatabaseUrl(backend)
    if (url === undefined) await seedPgliteHome(home.dir)
    db = await openDatabase({ home: home.dir, databaseUrl: url })
    store = new ListingStore(db)
    cleanup = async () => {
      await db.close()
      if (url !== undefined) await dropSchema(url)
      await home.cleanup()
    }
    // 2.5 tiers of "weather" listings, every third one a model with the word in its title too.
    for (let i = 0; i < RANK_TIER * 2.5; i++) {
      const strong = i % 3 === 0
      await store.create(draft({ title: strong ? `Weather radar ${i}` : `Listing ${i}`, description: `Daily weather records, station ${i}.`, kind: strong ? 'model' : 'dataset', access: strong ? 'per-call' : 'download', tags: strong ? ['radar'] : ['stations'] }))
    }
    await store.create(draft({ title: 'Croissant demand', description: 'Bakery sales by day; not about weather-proof ovens.', licence: 'CC-BY-4.0', tags: ['bakery'], price: 5n * 10n ** 15n }))
  }, 120_000)
  afterAll(async () => cleanup?.())

  it('matches words, phrases, exclusions and alternatives, and facets', async () => {
    expect((await all({ q: 'croissant' })).length).toBe(1)
    expect((await all({ q: '"weather radar"', limit: 100 })).length).toBe(Math.ceil((RANK_TIER * 2.5) / 3))
    expect((await all({ q: 'weather -radar', limit: 100 })).length).toBe(RANK_TIER * 2.5 - Math.ceil((RANK_TIER * 2.5) / 3) + 1)
    expect((await all({ q: 'croissant or radar', limit: 100 })).length).toBe(Math.ceil((RANK_TIER * 2.5) / 3) + 1)
    expect((await all({ q: 'weather', kind: 'model', access: 'per-call', tag: 'radar', limit: 100 })).length).toBe(Math.ceil((RANK_TIER * 2.5) / 3))
    expect(await all({ q: 'weather', licence: 'cc-by-4.0' })).toHaveLength(1)
    expect(await all({ q: 'weather', minPrice: 2n * 10n ** 15n })).toHaveLength(1)
    expect(await all({ q: 'the' })).toEqual([])
    expect(await all({ q: 'zeppelin' })).toEqual([])
  })

  it('ranks a title match above a description match within the newest tier', async () => {
    const page = await store.search({ q: 'weather', limit: 10 })
    const strong = page.items.filter((l) => l.title.startsWith('Weather'))
    expect(page.items.slice(0, strong.length)).toEqual(strong)
    expect(strong.length).toBeGreaterThan(0)
  })

  it('pages through every match once, tier after tier, unmoved by listings added meanwhile', async () => {
    const expected = RANK_TIER * 2.5 + 1
    const ids: string[] = []
    let cursor: string | undefined
    let added = 0
    do {
      const page = await store.search({ q: 'weather', limit: 30, ...(cursor === undefined ? {} : { cursor }) })
      ids.push(...page.items.map((l) => l.id))
      cursor = page.nextCursor ?? undefined
      // A newer listing that matches better: it belongs to searches started after it, not to this one.
      await store.create(draft({ title: 'Weather weather weather', description: 'weather' }))
      added++
    } while (cursor !== undefined)
    expect(ids).toHaveLength(expected)
    expect(new Set(ids).size).toBe(expected)
    // Tiers go newest first: every id of the first tier is newer than every id of the last.
    const firstTier = ids.slice(0, RANK_TIER).sort()
    const lastTier = ids.slice(RANK_TIER * 2).sort()
    expect(firstTier[0]! > lastTier.at(-1)!).toBe(true)
    expect((await all({ q: 'weather', limit: 100 })).length).toBe(expected + added)
  })

  it('browses newest first without text, and refuses a cursor of another search', async () => {
    const page = await store.search({ kind: 'model', limit: 5 })
    expect(page.items.map((l) => l.kind)).toEqual(Array(5).fill('model'))
    const created = page.items.map((l) => l.createdAt)
    expect([...created].sort().reverse()).toEqual(created)
    expect(await codeOf(store.search({ kind: 'dataset', cursor: page.nextCursor! }))).toBe('INVALID_CURSOR')
    const ranked = await store.search({ q: 'weather', limit: 5 })
    expect(await codeOf(store.search({ q: 'radar', cursor: ranked.nextCursor! }))).toBe('INVALID_CURSOR')
    expect(await codeOf(store.search({ kind: 'model', cursor: ranked.nextCursor! }))).toBe('INVALID_CURSOR')
  })

  it('keeps the facets in step with changed tags and licence', async () => {
    const { listing } = await store.create(draft({ title: 'Retagged', tags: ['old'] }))
    expect(await all({ tag: 'old' })).toContain(listing.id)
    await store.update(listing.id, { tags: ['fresh'], licence: 'Apache-2.0' })
    expect(await all({ tag: 'old' })).not.toContain(listing.id)
    expect(await all({ tag: 'fresh', licence: 'Apache-2.0' })).toEqual([listing.id])
    expect(await all({ q: 'retagged', tag: 'fresh' })).toEqual([listing.id])
  })
})
