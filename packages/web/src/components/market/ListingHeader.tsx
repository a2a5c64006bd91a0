/**
 * A listing's facts: title, kind, access mode, price in tokens, licence, tags, seller, rating, the
 * description and every version by CID (buyers get the latest at the time of their order).
 */
import type { Listing } from '@w3ai/protocol'
import { ACCESS_LABELS, priceText, ratingText } from '../../market/format.js'

interface ListingHeaderProps {
  listing: Listing
  me: string | null
  onBack: () => void
}

export function ListingHeader({ listing, me, onBack }: ListingHeaderProps) {
  const latest = listing.versions[listing.versions.length - 1]
  return (
    <section className="card" data-testid="listing" data-listing-id={listing.id} data-kind={listing.kind} data-access={listing.access} data-price={listing.price} data-rating-count={listing.rating.count}>
      <header className="card-head">
        <h2>
          <span className={`badge market-kind market-kind-${listing.kind}`}>{listing.kind}</span> <span data-testid="listing-title">{listing.title}</span>
        </h2>
        <button type="button" className="button" data-testid="listing-back" onClick={onBack}>
          Back to results
        </button>
      </header>
      <div className="card-body">
        <dl className="facts">
          <dt>Price</dt>
          <dd data-testid="listing-price" data-units={listing.price}>
            <strong>{priceText(listing.price, listing.access)}</strong>
          </dd>
          <dt>Access</dt>
          <dd data-testid="listing-access">{ACCESS_LABELS[listing.access]}</dd>
          <dt>Licence</dt>
          <dd>{listing.licence}</dd>
          <dt>Seller</dt>
          <dd>
            <code>{listing.seller}</code>
            {me === listing.seller && <span className="badge job-badge">you</span>}
          </dd>
          <dt>Rating</dt>
          <dd data-testid="listing-rating" data-mean={listing.rating.mean} data-count={listing.rating.count}>
            {ratingText(listing.rating)}
          </dd>
          {listing.tags.length > 0 && (
            <>
              <dt>Tags</dt>
              <dd>
                {listing.tags.map((t) => (
                  <span key={t} className="market-tag" data-testid="listing-tag">
                    #{t}
                  </span>
                ))}
              </dd>
            </>
          )}
        </dl>
        {listing.description !== '' && (
          <p className="market-description" data-testid="listing-description">
            {listing.description}
          </p>
        )}
        <h4>Versions</h4>
        <ul className="plain" data-testid="listing-versions">
          {[...listing.versions].reverse().map((v) => (
            <li key={v.version} data-testid="listing-version" data-version={v.version} data-cid={v.cid}>
              <strong>{v.version}</strong> <code className="market-cid">{v.cid}</code> <span className="sub">{v.createdAt.slice(0, 10)}</span>
              {v === latest && <span className="badge job-badge">latest</span>}
            </li>
          ))}
        </ul>
      </div>
    </section>
  )
}
