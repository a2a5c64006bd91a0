/** How the market tab writes prices, access modes and ratings. Amounts stay exact (bigint units → tokens). */
import { PRICE_BASIS } from '@w3ai/market/portable'
import type { AccessMode, ListingKind, Rating } from '@w3ai/protocol'
import { formatTokens } from '../economy/tokens.js'

export const ACCESS_LABELS: Readonly<Record<AccessMode, string>> = {
  download: 'download',
  'compute-only': 'compute only',
  'per-call': 'per call',
}

export const KIND_LABELS: Readonly<Record<ListingKind, string>> = { model: 'model', dataset: 'dataset', app: 'app' }

const BASIS_TEXT = { once: '', 'per-job': ' per compute job', 'per-call': ' per call' } as const

/** "2.5 tokens", "0.001 tokens per call", "3 tokens per compute job". */
export function priceText(price: string | bigint, access: AccessMode): string {
  return `${tokensText(price)}${BASIS_TEXT[PRICE_BASIS[access]]}`
}

/** "1 token", "2.5 tokens". */
export function tokensText(units: string | bigint): string {
  const text = formatTokens(units)
  return `${text} token${text === '1' ? '' : 's'}`
}

/** "★ 4.5 (2 reviews)" or "no reviews yet". */
export function ratingText(rating: Rating): string {
  if (rating.count === 0) return 'no reviews yet'
  return `★ ${rating.mean.toFixed(1)} (${rating.count} review${rating.count === 1 ? '' : 's'})`
}

/** Five stars, the first `n` full. */
export function stars(n: number): string {
  const full = Math.max(0, Math.min(5, Math.round(n)))
  return '★'.repeat(full) + '☆'.repeat(5 - full)
}
