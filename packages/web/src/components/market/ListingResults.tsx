/**
 * Search results: one row per listing (kind, title, tags, access, price, licence, rating, its
 * latest version), best match first for a text search, else newest first; a click (or Enter)
 * opens the listing. Paged with "Load more" along the hub's cursor.
 */
import type { ListingSummary } from '@w3ai/protocol'
import { ACCESS_LABELS, priceText, ratingText } from '../../market/format.js'
import { LoadMore } from '../LoadMore.js'

interface ListingResultsProps {
  listings: ListingSummary[] | null
  error: string | null
  /** The signed-in account, whose own listings are marked. */
  me: string | null
  /** The search was for text (ranked) rather than a plain listing (newest first). */
  ranked: boolean
  hasMore: boolean
  loadingMore: boolean
  onMore: () => void
  onOpen: (id: string) => void
}

export function ListingResults({ listings, error, me, ranked, hasMore, loadingMore, onMore, onOpen }: ListingResultsProps) {
  const count = listings?.length ?? 0
  return (
    <section className="card table-card" aria-labelledby="market-results-title" data-testid="market-results">
      <header className="card-head">
        <h2 id="market-results-title">
          Listings<span className="card-sub">{ranked ? 'best match first' : 'newest first'}</span>
        </h2>
        <span className="filters">{listings === null ? '…' : `${count}${hasMore ? '+' : ''} listing${count === 1 && !hasMore ? '' : 's'}`}</span>
      </header>
      {error !== null && <p className="error">{error}</p>}
      {listings !== null && listings.length === 0 ? (
        <p className="empty" data-testid="market-results-empty">
          Nothing found. Try fewer words or filters, or publish the first listing.
        </p>
      ) : (
        <ul className="market-results">
          {(listings ?? []).map((l) => (
            <li
              key={l.id}
              className="market-result"
              data-testid="market-result"
              data-listing-id={l.id}
              data-kind={l.kind}
              data-access={l.access}
              data-price={l.price}
              tabIndex={0}
              onClick={() => onOpen(l.id)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault()
                  onOpen(l.id)
                }
              }}
            >
              <div className="market-result-head">
                <span className={`badge market-kind market-kind-${l.kind}`}>{l.kind}</span>
                <strong className="market-result-title">{l.title}</strong>
                {me !== null && l.seller === me && <span className="badge job-badge">yours</span>}
              </div>
              {l.description !== '' && <p className="market-result-desc">{l.description.length > 220 ? `${l.description.slice(0, 220)}…` : l.description}</p>}
              <div className="market-result-meta">
                <span data-testid="market-result-price">{priceText(l.price, l.access)}</span>
                <span>{ACCESS_LABELS[l.access]}</span>
                <span>{l.licence}</span>
                <span>{ratingText(l.rating)}</span>
                <span className="sub">v{l.latest.version}</span>
                {l.tags.map((t) => (
                  <span key={t} className="market-tag">
                    #{t}
                  </span>
                ))}
              </div>
            </li>
          ))}
        </ul>
      )}
      <LoadMore loaded={count} hasMore={hasMore} loading={loadingMore} onMore={onMore} noun="listings" testId="market-results-more" />
    </section>
  )
}
