/**
 * A search request, checked and normalized before any store sees it: the text query and the
 * filters (kind, tag, licence, access mode, price range, minimum rating) and the page (cursor,
 * limit). Values may come from a query string (all strings) or from JSON. How the search runs
 * (full-text ranking in SQL) is the hub store's business; this module only decides what was asked.
 * Refusals are MARKET_INVALID_QUERY naming the field, and INVALID_CURSOR for a malformed cursor.
 */
import { fail, object, oneOf, text } from './check.js'
import { ACCESS_MODES, LISTING_KINDS, type AccessMode, type ListingKind } from '@w3ai/protocol'
import { licenceOf, LICENCES, TAG_PATTERN, type Licence } from './listing.js'

export const SEARCH_LIMITS = { q: 200, defaultLimit: 20, maxLimit: 100, cursor: 512, maxRating: 5 } as const

export interface SearchQuery {
  /** Trimmed, runs of white space made one space; '' asks for no text match. */
  q: string
  kind?: ListingKind
  tag?: string
  licence?: Licence
  access?: AccessMode
  /** Price range in units, inclusive, as canonical decimal strings. */
  minPrice?: string
  maxPrice?: string
  /** Listings rated at least this (0..5). */
  minRating?: number
  /** The previous page's opaque nextCursor. */
  cursor?: string
  limit: number
}

const E = 'MARKET_INVALID_QUERY'
const FIELDS = ['q', 'kind', 'tag', 'licence', 'access', 'minPrice', 'maxPrice', 'minRating', 'cursor', 'limit']
const UNITS = /^\d{1,40}$/
const DECIMAL = /^\d+(\.\d+)?$/
const CURSOR = /^[A-Za-z0-9_-]+$/

function price(field: string, value: unknown): bigint {
  const s = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value
  if (typeof s !== 'string' || !UNITS.test(s)) fail(E, field, 'must be a whole number of units (a decimal string)')
  return BigInt(s)
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  return typeof value === 'string' && DECIMAL.test(value) ? Number(value) : undefined
}

/** Checks a search request and returns it normalized, or throws MARKET_INVALID_QUERY naming the field. */
export function parseSearchQuery(value: unknown): SearchQuery {
  const r = object(E, 'query', value ?? {}, FIELDS)
  const q = text(E, 'q', r.q ?? '', { max: SEARCH_LIMITS.q, multiline: true }).trim().replace(/\s+/g, ' ')
  const limitValue = r.limit === undefined ? SEARCH_LIMITS.defaultLimit : numberOf(r.limit)
  if (limitValue === undefined || !Number.isInteger(limitValue) || limitValue < 1 || limitValue > SEARCH_LIMITS.maxLimit) {
    fail(E, 'limit', `must be a whole number from 1 to ${SEARCH_LIMITS.maxLimit}`)
  }
  const out: SearchQuery = { q, limit: limitValue }
  if (r.kind !== undefined) out.kind = oneOf(E, 'kind', r.kind, LISTING_KINDS)
  if (r.tag !== undefined) {
    if (typeof r.tag !== 'string' || !TAG_PATTERN.test(r.tag)) fail(E, 'tag', `must match ${TAG_PATTERN.source}`)
    out.tag = r.tag
  }
  if (r.licence !== undefined) out.licence = licenceOf(r.licence) ?? fail(E, 'licence', `must be one of ${LICENCES.join(', ')}`)
  if (r.access !== undefined) out.access = oneOf(E, 'access', r.access, ACCESS_MODES)
  const min = r.minPrice === undefined ? undefined : price('minPrice', r.minPrice)
  const max = r.maxPrice === undefined ? undefined : price('maxPrice', r.maxPrice)
  if (min !== undefined && max !== undefined && min > max) fail(E, 'minPrice', 'must not be above maxPrice')
  if (min !== undefined) out.minPrice = min.toString()
  if (max !== undefined) out.maxPrice = max.toString()
  if (r.minRating !== undefined) {
    const rating = numberOf(r.minRating)
    if (rating === undefined || !Number.isFinite(rating) || rating < 0 || rating > SEARCH_LIMITS.maxRating) fail(E, 'minRating', `must be a number from 0 to ${SEARCH_LIMITS.maxRating}`)
    out.minRating = rating
  }
  if (r.cursor !== undefined && r.cursor !== '') {
    // A cursor is the hub's to read: a malformed one is the code every list answers with.
    if (typeof r.cursor !== 'string' || r.cursor.length > SEARCH_LIMITS.cursor || !CURSOR.test(r.cursor)) fail('INVALID_CURSOR', 'cursor', "must be the previous page's nextCursor, unchanged")
    out.cursor = r.cursor
  }
  return out
}
