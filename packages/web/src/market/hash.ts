/**
 * The market tab's address, so a view survives reloads and can be linked: `#market` (browse and
 * search), `#market/publish`, `#market/purchases`, `#market/sales`, `#market/l_<20 hex>` (a listing).
 */

export type MarketView = { view: 'browse' } | { view: 'publish' } | { view: 'purchases' } | { view: 'sales' } | { view: 'listing'; id: string }

const PREFIX = '#market'
const SECTIONS = ['publish', 'purchases', 'sales'] as const
/** A listing id's form (the protocol's ListingIdSchema; the page loads no schemas). */
export const LISTING_ID = /^l_[0-9a-f]{20}$/

/** The view `hash` names; anything unknown under #market is the browse view. */
export function marketViewOf(hash: string): MarketView {
  if (!hash.startsWith(`${PREFIX}/`)) return { view: 'browse' }
  let rest = hash.slice(PREFIX.length + 1)
  try {
    rest = decodeURIComponent(rest)
  } catch {
    // kept as it is
  }
  const section = SECTIONS.find((s) => s === rest)
  if (section !== undefined) return { view: section }
  if (LISTING_ID.test(rest)) return { view: 'listing', id: rest }
  return { view: 'browse' }
}

/** The hash that opens `view`. */
export function marketHash(view: MarketView): string {
  if (view.view === 'browse') return PREFIX
  if (view.view === 'listing') return `${PREFIX}/${encodeURIComponent(view.id)}`
  return `${PREFIX}/${view.view}`
}
