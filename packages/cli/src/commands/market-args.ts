/**
 * Arguments of `w3ai market` and `w3ai app`, checked before any request: ids, kinds, access modes,
 * tags, licences (@w3ai/market's list), prices in tokens (parsed with @w3ai/ledger's parseTokens,
 * within the listing price bounds), ratings and counts. A malformed value is CLI_BAD_ARGUMENT
 * naming the flag (exit 2); a price outside the bounds is MARKET_PRICE_OUT_OF_BOUNDS, as the hub says it.
 */
import { checkPrice, licenceOf, LICENCES, TAG_PATTERN } from '@w3ai/market'
import { parseTokens } from '@w3ai/ledger'
import {
  ACCESS_MODES,
  LISTING_KINDS,
  ListingIdSchema,
  MAX_LISTING_TAGS,
  MAX_ORDER_CALLS,
  MAX_ORDER_DEADLINE_MS,
  MAX_SEARCH_LIMIT,
  MIN_ORDER_DEADLINE_MS,
  ORDER_STATUSES,
  OrderIdSchema,
  ReviewIdSchema,
  type AccessMode,
  type ListingKind,
  type OrderStatus,
} from '@w3ai/protocol'
import { badArgument } from '../args.js'

const pattern = (schema: unknown): RegExp => new RegExp((schema as { pattern: string }).pattern)
const LISTING_ID = pattern(ListingIdSchema)
const ORDER_ID = pattern(OrderIdSchema)
const REVIEW_ID = pattern(ReviewIdSchema)
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,64}$/
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$/

function whole(flag: string, value: string, min: number, max: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw badArgument(flag, value, `a whole number ${min}..${max}`)
  return n
}

function oneOf<T extends string>(flag: string, values: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(values as readonly string[]).includes(value)) throw badArgument(flag, value, `one of ${values.join(', ')}`)
    return value as T
  }
}

export function checkListingId(value: string): string {
  if (!LISTING_ID.test(value)) throw badArgument('LISTING', value, 'a listing id like l_0123456789abcdef0123 (see `w3ai market search`)')
  return value
}

export function checkOrderId(value: string): string {
  if (!ORDER_ID.test(value)) throw badArgument('ORDER', value, 'an order id like o_0123456789abcdef (see `w3ai market orders`)')
  return value
}

/** `--order O` of `job run` (a compute-only purchase) and `model infer` (a per-call one). */
export function parseOrderFlag(value: string): string {
  if (!ORDER_ID.test(value)) throw badArgument('--order', value, 'an order id like o_0123456789abcdef (see `w3ai market orders`)')
  return value
}

export function checkReviewId(value: string): string {
  if (!REVIEW_ID.test(value)) throw badArgument('REVIEW', value, 'a review id like r_0123456789abcdef0123 (see `w3ai market show LISTING`)')
  return value
}

export const parseKind = oneOf<ListingKind>('--kind', LISTING_KINDS)
export const parseAccess = oneOf<AccessMode>('--access', ACCESS_MODES)
export const parseOrderStatus = oneOf<OrderStatus>('--status', ORDER_STATUSES)
export const parseRole = oneOf<'buyer' | 'seller'>('--role', ['buyer', 'seller'])

export function parseTag(value: string): string {
  if (!TAG_PATTERN.test(value)) throw badArgument('--tag', value, 'lowercase letters, digits and -, at most 32 (e.g. retail)')
  return value
}

/** `--tags a,b`: at most MAX_LISTING_TAGS distinct tags. */
export function parseTags(value: string): string[] {
  const tags = [...new Set(value.split(',').map((t) => t.trim()).filter((t) => t !== ''))]
  if (tags.length > MAX_LISTING_TAGS || tags.some((t) => !TAG_PATTERN.test(t))) {
    throw badArgument('--tags', value, `a comma list of at most ${MAX_LISTING_TAGS} tags of lowercase letters, digits and - (e.g. retail,purchases)`)
  }
  return tags
}

/** A licence of @w3ai/market's list, any case, in its canonical spelling. */
export function parseLicence(value: string): string {
  const licence = licenceOf(value)
  if (licence === undefined) throw badArgument('--licence', value, `one of ${LICENCES.join(', ')}`)
  return licence
}

/** Tokens → units; `zero` allows 0 (a search's lowest price). */
export function parseTokensFlag(flag: string, zero = false): (value: string) => bigint {
  return (value) => {
    let units: bigint
    try {
      units = parseTokens(value)
    } catch {
      throw badArgument(flag, value, 'tokens like 1.5 (digits, at most 18 decimals, no sign or exponent)')
    }
    if (units === 0n && !zero) throw badArgument(flag, value, 'more than zero tokens')
    return units
  }
}

/** `--price TOKENS` of a listing: tokens within the listing price bounds (MARKET_PRICE_OUT_OF_BOUNDS otherwise, as the hub). */
export function parsePrice(value: string): bigint {
  const units = parseTokensFlag('--price')(value)
  return checkPrice(units.toString(), '--price')
}

export function parseRating(value: string): number {
  return whole('--rating', value, 1, 5)
}

/** `--min-rating R`: a mean rating 0..5 (decimals allowed). */
export function parseMinRating(value: string): number {
  const n = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || n > 5) throw badArgument('--min-rating', value, 'a number from 0 to 5')
  return n
}

export const parseSearchLimit = (value: string): number => whole('--limit', value, 1, MAX_SEARCH_LIMIT)
export const parseOrderLimit = (value: string): number => whole('--limit', value, 1, 500)
export const parseCalls = (value: string): number => whole('--calls', value, 1, MAX_ORDER_CALLS)
export const parseCount = (value: string): number => whole('--count', value, 1, 1_000_000)
export const parseInterval = (value: string): number => whole('--interval', value, 1, 3600)

/** `--deadline SECONDS` of a purchase: how long the seller has to fulfil (or the allowance stays open). */
export function parseDeadline(value: string): number {
  return whole('--deadline', value, MIN_ORDER_DEADLINE_MS / 1000, MAX_ORDER_DEADLINE_MS / 1000) * 1000
}

export function parseIdempotencyKey(value: string): string {
  if (!IDEMPOTENCY_KEY.test(value)) throw badArgument('--idempotency-key', value, '1 to 64 letters, digits, "_" or "-"')
  return value
}

export function parseVersion(value: string): string {
  if (!VERSION.test(value)) throw badArgument('--version-name', value, 'a version name like 1.0.0 (letters, digits, ".", "_", "+", "-", at most 32)')
  return value
}

/** A repeatable `--param name=value`: collected in order; @w3ai/market checks them against the app's template. */
export function collectParam(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}
