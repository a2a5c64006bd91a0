import { describe, expect, it } from 'vitest'
import { ACCESS_BY_KIND, appendVersion, checkPrice, MARKET_PRICE_BOUNDS, validateListing, type ListingDraft } from '../src/index.js'
import { CID_A, CID_B, refusal } from './helpers.js'

const draft = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  kind: 'dataset',
  title: 'Shop purchases 2024',
  description: 'One row per order line.\nCleaned and de-duplicated.',
  tags: ['retail', 'tabular'],
  licence: 'CC-BY-4.0',
  access: 'compute-only',
  price: '2500000000000000000',
  versions: [{ cid: CID_A, label: '1.0.0' }],
  ...over,
})

describe('a listing draft', () => {
  it('is accepted and normalized: title trimmed, tags de-duplicated, licence spelled canonically, price canonical', () => {
    const listing: ListingDraft = validateListing(draft({ title: '  Shop purchases 2024 ', tags: ['retail', 'retail', 'csv'], licence: 'cc-by-4.0', price: '0002500000000000000000' }))
    expect(listing).toEqual({
      kind: 'dataset',
      title: 'Shop purchases 2024',
      description: 'One row per order line.\nCleaned and de-duplicated.',
      tags: ['retail', 'csv'],
      licence: 'CC-BY-4.0',
      access: 'compute-only',
      price: '2500000000000000000',
      versions: [{ cid: CID_A, label: '1.0.0' }],
    })
  })

  it('lets each kind be sold only by the access modes that fit it', () => {
    expect(ACCESS_BY_KIND).toEqual({ model: ['download', 'per-call'], dataset: ['download', 'compute-only'], app: ['download', 'per-call'] })
    expect(validateListing(draft({ kind: 'model', access: 'per-call' })).access).toBe('per-call')
    expect(refusal(() => validateListing(draft({ kind: 'model', access: 'compute-only' })))).toMatchObject({ code: 'MARKET_INVALID_LISTING', field: 'access' })
    expect(refusal(() => validateListing(draft({ kind: 'dataset', access: 'per-call' })))).toMatchObject({ code: 'MARKET_INVALID_LISTING', field: 'access' })
    expect(refusal(() => validateListing(draft({ kind: 'app', access: 'compute-only' })))).toMatchObject({ code: 'MARKET_INVALID_LISTING', field: 'access' })
  })

  it.each([
    ['an unknown kind', { kind: 'weights' }, 'kind'],
    ['an empty title', { title: '   ' }, 'title'],
    ['a title over 120 characters', { title: 'x'.repeat(121) }, 'title'],
    ['a title with a control character', { title: 'a\u0007b' }, 'title'],
    ['a title with a newline', { title: 'two\nlines' }, 'title'],
    ['a description over 4,000 characters', { description: 'd'.repeat(4001) }, 'description'],
    ['a description with a NUL', { description: 'a\u0000b' }, 'description'],
    ['eleven tags', { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'tags'],
    ['an upper-case tag', { tags: ['Retail'] }, 'tags[0]'],
    ['a tag over 32 characters', { tags: ['ok', 'a'.repeat(33)] }, 'tags[1]'],
    ['a tag starting with -', { tags: ['-x'] }, 'tags[0]'],
    ['an unknown licence', { licence: 'WTFPL-ish' }, 'licence'],
    ['an unknown access mode', { access: 'stream' }, 'access'],
    ['a price with decimals', { price: '1.5' }, 'price'],
    ['a negative price', { price: '-1' }, 'price'],
    ['a price as a number', { price: 1e18 }, 'price'],
    ['no versions', { versions: [] }, 'versions'],
    ['a version with a bad CID', { versions: [{ cid: 'Qm123', label: '1' }] }, 'versions[0].cid'],
    ['a version with a bad label', { versions: [{ cid: CID_A, label: 'v 1' }] }, 'versions[0].label'],
    ['two versions with one CID', { versions: [{ cid: CID_A, label: '1' }, { cid: CID_A, label: '2' }] }, 'versions[1].cid'],
    ['an unknown field', { owner: 'me' }, 'listing.owner'],
    ['an app without a card', { kind: 'app', access: 'per-call' }, 'card'],
    ['a card of another kind', { card: { kind: 'model', intendedUse: 'x', inputs: [], outputs: [] } }, 'card.kind'],
  ])('is refused with MARKET_INVALID_LISTING for %s', (_name, over, field) => {
    expect(refusal(() => validateListing(draft(over)))).toMatchObject({ code: expect.stringMatching(/^MARKET_INVALID_(LISTING|CARD)$/), field })
  })

  it('is refused with MARKET_VERSION_EXISTS for two versions of one label', () => {
    expect(refusal(() => validateListing(draft({ versions: [{ cid: CID_A, label: '1' }, { cid: CID_B, label: '1' }] })))).toMatchObject({ code: 'MARKET_VERSION_EXISTS', field: 'versions[1].label' })
  })

  it('is refused when it is not an object at all', () => {
    for (const value of [null, 'listing', 42, []]) expect(refusal(() => validateListing(value))).toMatchObject({ code: 'MARKET_INVALID_LISTING', field: 'listing' })
  })
})

describe('prices', () => {
  it('are bounded by MARKET_PRICE_BOUNDS, inclusive', () => {
    const { min, max } = MARKET_PRICE_BOUNDS
    expect(min).toBe(10n ** 12n)
    expect(max).toBe(10n ** 24n)
    expect(checkPrice(min.toString())).toBe(min)
    expect(checkPrice(max.toString())).toBe(max)
  })

  it('outside the bounds are MARKET_PRICE_OUT_OF_BOUNDS with the bounds in details', () => {
    for (const price of ['0', (MARKET_PRICE_BOUNDS.min - 1n).toString(), (MARKET_PRICE_BOUNDS.max + 1n).toString()]) {
      let details: unknown
      try {
        validateListing(draft({ price }))
      } catch (e) {
        expect((e as { code: string }).code).toBe('MARKET_PRICE_OUT_OF_BOUNDS')
        details = (e as { details: unknown }).details
      }
      expect(details).toEqual({ field: 'price', price: BigInt(price).toString(), min: '1000000000000', max: '1000000000000000000000000' })
    }
  })
})

describe('version history', () => {
  it('appends a new version and refuses one it already holds', () => {
    const history = appendVersion([{ cid: CID_A, label: '1.0.0' }], { cid: CID_B, label: '1.1.0', notes: 'more rows' })
    expect(history.map((v) => v.label)).toEqual(['1.0.0', '1.1.0'])
    expect(refusal(() => appendVersion(history, { cid: CID_B, label: '2.0.0' }))).toMatchObject({ code: 'MARKET_INVALID_LISTING', field: 'versions[2].cid' })
    expect(refusal(() => appendVersion(history, { cid: 'bafkqaaa' + 'a'.repeat(20), label: '1.0.0' }))).toMatchObject({ code: 'MARKET_VERSION_EXISTS', field: 'versions[2].label' })
  })

  it('holds at most 100 versions', () => {
    const full = Array.from({ length: 100 }, (_, i) => ({ cid: `bafk${'a'.repeat(30)}${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`, label: String(i) }))
    expect(refusal(() => appendVersion(full, { cid: CID_A, label: 'next' }))).toMatchObject({ code: 'MARKET_INVALID_LISTING', field: 'versions' })
  })
})
