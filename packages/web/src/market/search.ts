/**
 * The market's search box and filters, kept apart from React so they are unit-tested: the form as
 * typed (prices in tokens) → the query the hub takes (prices in units), checked with
 * @w3ai/market's own parseSearchQuery so a bad filter is refused here with the hub's words.
 */
import { parseSearchQuery } from '@w3ai/market/portable'
import type { AccessMode, ListingKind } from '@w3ai/protocol'
import { parseTokens } from '../economy/tokens.js'

export interface SearchForm {
  /** Full text (websearch syntax: words, "a phrase", -not, or). */
  q: string
  kind: ListingKind | ''
  access: AccessMode | ''
  tag: string
  licence: string
  /** Tokens, as typed; '' for no bound. */
  minPrice: string
  maxPrice: string
  /** '' or 0..5. */
  minRating: string
}

export const EMPTY_SEARCH: SearchForm = { q: '', kind: '', access: '', tag: '', licence: '', minPrice: '', maxPrice: '', minRating: '' }

/** The hub's query parameters (strings, units for prices), without limit and cursor. */
export type SearchParams = Record<string, string>

/** Tokens typed for a price bound → units; '0' is a bound too. */
function priceUnits(text: string, what: string): string {
  const t = text.trim()
  if (/^0*(\.0*)?$/.test(t)) return '0'
  const parsed = parseTokens(t)
  if ('error' in parsed) throw new Error(`${what}: type tokens like 2.5 (digits, at most 18 decimals).`)
  return parsed.units.toString()
}

/**
 * The query for `form`, or an Error whose message the form shows. Empty fields are left out; the
 * text is trimmed and its runs of white space made one, as the hub does.
 */
export function searchParamsOf(form: SearchForm): SearchParams {
  const raw: Record<string, string> = {}
  if (form.q.trim() !== '') raw.q = form.q
  if (form.kind !== '') raw.kind = form.kind
  if (form.access !== '') raw.access = form.access
  if (form.tag.trim() !== '') raw.tag = form.tag.trim().toLowerCase()
  if (form.licence !== '') raw.licence = form.licence
  if (form.minPrice.trim() !== '') raw.minPrice = priceUnits(form.minPrice, 'Lowest price')
  if (form.maxPrice.trim() !== '') raw.maxPrice = priceUnits(form.maxPrice, 'Highest price')
  if (form.minRating.trim() !== '') raw.minRating = form.minRating.trim()
  let checked: ReturnType<typeof parseSearchQuery>
  try {
    checked = parseSearchQuery(raw)
  } catch (err) {
    throw new Error(err instanceof Error ? err.message : String(err))
  }
  const out: SearchParams = {}
  if (checked.q !== '') out.q = checked.q
  for (const key of ['kind', 'access', 'tag', 'licence', 'minPrice', 'maxPrice'] as const) {
    const value = checked[key]
    if (value !== undefined) out[key] = value
  }
  if (checked.minRating !== undefined) out.minRating = String(checked.minRating)
  return out
}

/** Whether any filter beyond the text is set (the page says "filtered" then). */
export function hasFilters(params: SearchParams): boolean {
  return Object.keys(params).some((k) => k !== 'q')
}

/** The hub caps a search page at this many listings. */
export const MAX_SEARCH_PAGE = 100

/** `/v1/market/listings?…` for one page of a search. */
export function searchPath(params: SearchParams, cursor: string | null, limit: number): string {
  const q = new URLSearchParams(params)
  q.set('limit', String(Math.min(MAX_SEARCH_PAGE, Math.max(1, Math.floor(limit)))))
  if (cursor !== null) q.set('cursor', cursor)
  return `/v1/market/listings?${q.toString()}`
}
