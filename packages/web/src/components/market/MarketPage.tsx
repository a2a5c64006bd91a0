/**
 * The market tab: browse and search listings of models, datasets and apps (public, no identity
 * needed), open one (`#market/l_…`) to read its card and reviews, buy, review, answer or run it;
 * publish a listing of one of your stored objects (`#market/publish`); and follow your purchases and
 * sales (`#market/purchases`, `#market/sales`) with their status live: the tab subscribes to its
 * own signed event stream for `market.order.updated` (sent only to an order's buyer and seller),
 * and polls more often while that stream is down. A seller fulfils a pending download here (the
 * key is wrapped to the buyer in this page) and a buyer downloads a fulfilled one (decrypted here).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { ListingSummary, Order } from '@w3ai/protocol'
import { useHubData } from '../../hooks/use-hub-data.js'
import { useIdentity } from '../../hooks/use-identity.js'
import { useNow } from '../../hooks/use-now.js'
import { usePagedList } from '../../hooks/use-paged-list.js'
import { useRefresh } from '../../hooks/use-refresh.js'
import { useTransfer } from '../../hooks/use-transfer.js'
import { MarketApi, searchPages } from '../../market/api.js'
import type { MarketView } from '../../market/hash.js'
import { recommenderAppCard } from '../../market/recommender.js'
import { EMPTY_SEARCH, searchParamsOf, type SearchForm, type SearchParams } from '../../market/search.js'
import { useMarketEvents } from '../../market/use-market-events.js'
import { useListingTitles } from '../../market/use-titles.js'
import { useMarketView } from '../../market/use-view.js'
import { saveBlob } from '../../storage/download.js'
import { IdentityCard } from '../storage/IdentityCard.js'
import { TransferBar } from '../storage/TransferBar.js'
import { KeyRequests } from './KeyRequests.js'
import { ListingPage } from './ListingPage.js'
import { ListingResults } from './ListingResults.js'
import { OrderTable } from './OrderTable.js'
import { PublishForm } from './PublishForm.js'
import { SearchBar } from './SearchBar.js'
import './market.css'

/** A burst of events costs one fetch. */
const EVENT_DEBOUNCE_MS = 150
/** Poll fallbacks: the stream is live / down (or no identity: listings only). */
const LIVE_POLL_MS = 30_000
const OFFLINE_POLL_MS = 3000
/** Buyers' jobs waiting for a key send no event to the seller: My sales asks this often. */
const KEY_REQUEST_POLL_MS = 3000
const PURPOSE = 'to publish, buy, review and follow your orders'

const listingKey = (l: ListingSummary): string => l.id
const orderKey = (o: Order): string => o.id

const NAV: ReadonlyArray<{ view: 'browse' | 'publish' | 'purchases' | 'sales'; label: string }> = [
  { view: 'browse', label: 'Browse' },
  { view: 'publish', label: 'Publish' },
  { view: 'purchases', label: 'My purchases' },
  { view: 'sales', label: 'My sales' },
]

export default function MarketPage() {
  const { identity, api } = useIdentity()
  const market = useMemo(() => (api === null || identity === null ? null : new MarketApi(api, identity)), [api, identity])
  const [view, select] = useMarketView()
  const now = useNow(5000)
  const events = useMarketEvents(identity)

  // Search: the form as typed, and the query last accepted (its pages below).
  const [form, setForm] = useState<SearchForm>(EMPTY_SEARCH)
  const [applied, setApplied] = useState<SearchParams>({})
  const [searchError, setSearchError] = useState<string | null>(null)
  // Bumped on every change of view: results (ratings move) and files (uploads on the Storage tab) are read again.
  const [viewVersion, setViewVersion] = useState(0)
  useEffect(() => setViewVersion((v) => v + 1), [view.view])
  const results = usePagedList(useMemo(() => searchPages(applied), [applied]), listingKey, viewVersion)

  const [ordersVersion, requestOrders] = useRefresh()
  const [listingVersion, requestListing] = useRefresh()
  const purchases = usePagedList(useMemo(() => market?.orderPages('buyer') ?? null, [market]), orderKey, ordersVersion)
  const sales = usePagedList(useMemo(() => market?.orderPages('seller') ?? null, [market]), orderKey, ordersVersion)
  const loadObjects = useCallback(() => (market as MarketApi).objects(), [market])
  const objects = useHubData(market === null ? null : loadObjects, viewVersion)
  const [keyVersion, setKeyVersion] = useState(0)
  const loadKeyRequests = useCallback(() => (market as MarketApi).keyRequests(), [market])
  const keyRequests = useHubData(market === null || view.view !== 'sales' ? null : loadKeyRequests, keyVersion)
  useEffect(() => {
    if (market === null || view.view !== 'sales') return
    const timer = setInterval(() => setKeyVersion((v) => v + 1), KEY_REQUEST_POLL_MS)
    return () => clearInterval(timer)
  }, [market, view.view])
  const titles = useListingTitles([...(purchases.items ?? []), ...(sales.items ?? [])].map((o) => o.listingId))
  const [download, runDownload] = useTransfer()

  // Every market event is about one of our orders: refetch the lists, and the open listing if it is the one.
  const seen = useRef(events.version)
  useEffect(() => {
    const since = seen.current
    seen.current = events.version
    if (events.version === since) return
    requestOrders(EVENT_DEBOUNCE_MS)
    if (view.view === 'listing' && (events.listings.get(view.id) ?? 0) > since) requestListing(EVENT_DEBOUNCE_MS)
  }, [events.version])

  useEffect(() => {
    const timer = setInterval(
      () => {
        requestOrders(0)
        if (view.view === 'listing') requestListing(0)
      },
      market !== null && !events.live ? OFFLINE_POLL_MS : LIVE_POLL_MS,
    )
    return () => clearInterval(timer)
  }, [market, events.live, view, requestOrders, requestListing])

  const search = (): void => {
    try {
      setApplied(searchParamsOf(form))
      setSearchError(null)
      if (view.view !== 'browse') select({ view: 'browse' })
    } catch (err) {
      setSearchError(err instanceof Error ? err.message : String(err))
    }
  }
  const open = (id: string): void => select({ view: 'listing', id })
  const changed = (): void => {
    requestOrders(0)
    requestListing(0)
  }

  const onFulfil = (order: Order): Promise<unknown> => (market as MarketApi).fulfil(order).finally(changed)
  const onClose = (order: Order): Promise<unknown> => (market as MarketApi).close(order.id).finally(changed)
  const onDownload = async (order: Order): Promise<unknown> => {
    const label = `${titles.get(order.listingId) ?? order.listingId} ${order.version}`
    return runDownload(label, async (onProgress) => {
      const result = await (market as MarketApi).download(order, { onProgress })
      // Saved under the seller's file name when it has one.
      saveBlob(result.blob, result.object.name ?? `${label.replace(/[^\w.-]+/g, '_')}.bin`)
      return result
    })
  }

  const needIdentity = view.view === 'publish' || view.view === 'purchases' || view.view === 'sales'
  const navTo = (v: (typeof NAV)[number]['view']): MarketView => ({ view: v })

  return (
    <div className="storage market-page" data-testid="market-tab" data-stream={events.live ? 'live' : 'down'}>
      <nav className="market-nav" aria-label="Market sections">
        {NAV.map((n) => (
          <button key={n.view} type="button" className={`tab${view.view === n.view ? ' tab-active' : ''}`} data-testid={`market-nav-${n.view}`} aria-current={view.view === n.view ? 'page' : undefined} onClick={() => select(navTo(n.view))}>
            {n.label}
            {n.view === 'sales' && (sales.items ?? []).some((o) => o.status === 'pending' && o.mode === 'download') && <span className="market-dot" title="Downloads waiting for you to fulfil" data-testid="market-sales-pending" />}
          </button>
        ))}
      </nav>
      {identity === null ? <IdentityCard purpose={PURPOSE} /> : <IdentityCard purpose={PURPOSE} compact />}
      <TransferBar state={download} testId="market-download-progress" verb="Download" />

      {view.view === 'browse' && (
        <>
          <SearchBar
            form={form}
            onChange={setForm}
            onSearch={search}
            onReset={() => {
              setForm(EMPTY_SEARCH)
              setApplied({})
              setSearchError(null)
            }}
            error={searchError}
          />
          <ListingResults
            listings={results.items}
            error={results.error}
            me={identity?.id ?? null}
            ranked={applied.q !== undefined}
            hasMore={results.nextCursor !== null}
            loadingMore={results.loading === 'more'}
            onMore={results.more}
            onOpen={open}
          />
        </>
      )}

      {view.view === 'listing' && (
        <ListingPage
          key={view.id}
          id={view.id}
          identity={identity}
          api={api}
          market={market}
          purchases={purchases.items}
          version={listingVersion}
          now={now}
          objects={objects.data ?? []}
          onBack={() => select({ view: 'browse' })}
          onOpenListing={open}
          onChanged={changed}
          onDownload={onDownload}
          onClose={onClose}
        />
      )}

      {needIdentity && market === null && <p className="empty">Load or create an identity above first.</p>}

      {view.view === 'publish' && market !== null && (
        <PublishForm
          objects={objects.data}
          objectsError={objects.error}
          onPublish={(draft, key) => market.publish(draft, key)}
          onPublished={(listing) => {
            setApplied((a) => ({ ...a })) // the new listing shows in the results
            open(listing.id)
          }}
          appCard={recommenderAppCard}
        />
      )}

      {view.view === 'purchases' && market !== null && identity !== null && (
        <OrderTable
          role="buyer"
          orders={purchases.items}
          error={purchases.error}
          me={identity.id}
          now={now}
          titles={titles}
          onOpenListing={open}
          onFulfil={onFulfil}
          onDownload={onDownload}
          onClose={onClose}
          hasMore={purchases.nextCursor !== null}
          loadingMore={purchases.loading === 'more'}
          onMore={purchases.more}
        />
      )}

      {view.view === 'sales' && market !== null && identity !== null && (
        <KeyRequests
          requests={keyRequests.data}
          error={keyRequests.error}
          titles={titles}
          listingOf={(id) => sales.items?.find((o) => o.id === id)?.listingId}
          onProvide={(r) =>
            market.answerKeyRequest(r).finally(() => {
              setKeyVersion((v) => v + 1)
              changed()
            })
          }
        />
      )}

      {view.view === 'sales' && market !== null && identity !== null && (
        <OrderTable
          role="seller"
          orders={sales.items}
          error={sales.error}
          me={identity.id}
          now={now}
          titles={titles}
          onOpenListing={open}
          onFulfil={onFulfil}
          onDownload={onDownload}
          onClose={onClose}
          hasMore={sales.nextCursor !== null}
          loadingMore={sales.loading === 'more'}
          onMore={sales.more}
        />
      )}
    </div>
  )
}
