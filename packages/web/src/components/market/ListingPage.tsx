/**
 * One listing (`#market/l_…`): its facts and versions, its card, Buy (not on your own listing),
 * your purchases of it (download, close, live status), the review form for a delivered purchase,
 * the reviews with the seller's answers (and the Answer form for the seller), and for an app its
 * Run form. Refetched when an order of this listing changes (market.order.updated) and after
 * every action taken here.
 */
import { useCallback, useMemo, useRef } from 'react'
import type { Job, ObjectSummary, Order, Review } from '@w3ai/protocol'
import { useHubData } from '../../hooks/use-hub-data.js'
import { usePagedList } from '../../hooks/use-paged-list.js'
import { JobsApi } from '../../jobs/api.js'
import { feeParams, getListing, reviewPages, type MarketApi } from '../../market/api.js'
import { appTemplateOf } from '../../market/app-run.js'
import { deploymentIn, exampleInputs } from '../../market/calls.js'
import { exampleSpec } from '../../market/compute.js'
import { ordersOf, reviewable } from '../../market/orders.js'
import { scoringJob, trainInPage } from '../../market/recommender.js'
import { downloadObject } from '../../storage/download.js'
import type { StorageApi } from '../../storage/hub-api.js'
import type { BrowserIdentity } from '../../storage/identity.js'
import { uploadFile } from '../../storage/upload.js'
import { AppRunCard, type RecommenderOutcome } from './AppRunCard.js'
import { ComputeRunCard } from './ComputeRunCard.js'
import { PaidCallCard } from './PaidCallCard.js'
import { BuyForm } from './BuyForm.js'
import { CardView, checkCard } from './CardView.js'
import { ListingHeader } from './ListingHeader.js'
import { OrderTable } from './OrderTable.js'
import { ReviewForm, ReviewList } from './Reviews.js'

interface ListingPageProps {
  id: string
  identity: BrowserIdentity | null
  api: StorageApi | null
  market: MarketApi | null
  /** The account's purchases as loaded by the tab (the hub does not filter them by listing). */
  purchases: Order[] | null
  /** Changes whenever the listing or its reviews should be read again. */
  version: number
  now: number
  objects: ObjectSummary[]
  onBack: () => void
  onOpenListing: (id: string) => void
  /** Something changed here (an order, a review): refetch the tab's lists and this listing. */
  onChanged: () => void
  onDownload: (order: Order) => Promise<unknown>
  onClose: (order: Order) => Promise<unknown>
}

const reviewKey = (r: Review): string => r.id

export function ListingPage({ id, identity, api, market, purchases, version, now, objects, onBack, onOpenListing, onChanged, onDownload, onClose }: ListingPageProps) {
  const me = identity?.id ?? null
  const loadListing = useCallback(() => getListing(id), [id])
  const listing = useHubData(loadListing, version)
  const fees = useHubData(feeParams, 0)
  const reviewLoader = useMemo(() => reviewPages(id), [id])
  const reviews = usePagedList(reviewLoader, reviewKey, version)
  const jobs = useMemo(() => (api === null ? null : new JobsApi(api)), [api])
  /** A compute job was run from this page: its card stays (with the result) after the order is fulfilled. */
  const ran = useRef(false)

  const data = listing.data?.id === id ? listing.data : null
  const mine = ordersOf(purchases, id)
  const toReview = me === null ? [] : reviewable(mine, id, me, reviews.items ?? [], now)
  const app = data === null || data.kind !== 'app' ? null : appTemplateOf(data)
  const seller = data !== null && me === data.seller
  const entitled = me === null ? null : seller || mine.some((o) => o.status === 'fulfilled' || o.status === 'active')
  const titles = useMemo(() => new Map(data === null ? [] : [[data.id, data.title]]), [data])
  // Active ones run a job; a fulfilled one keeps the card (and the result it shows) after its job.
  const computable = mine.filter((o) => o.mode === 'compute-only' && (o.status === 'active' || o.status === 'fulfilled')).sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active'))
  const checked = data === null ? null : checkCard(data.card, data.kind)
  const datasetCard = checked !== null && 'card' in checked && checked.card.kind === 'dataset' ? checked.card : null
  const modelCard = checked !== null && 'card' in checked && checked.card.kind === 'model' ? checked.card : null
  const allowances = data?.kind === 'model' ? mine.filter((o) => o.mode === 'per-call' && o.status === 'active') : []

  const after = <T,>(work: Promise<T>): Promise<T> => work.finally(onChanged)

  const runRecommender = async (params: Parameters<typeof trainInPage>[0], onStep: (s: string) => void): Promise<RecommenderOutcome> => {
    if (api === null || identity === null || jobs === null) throw new Error('Load an identity first.')
    onStep('Training in this page…')
    const trained = await trainInPage(params, async (cid) => new TextDecoder().decode(await (await downloadObject(api, identity, cid)).blob.arrayBuffer()))
    onStep('Storing the model…')
    const stored = await uploadFile(api, identity, new Blob([trained.onnx as Uint8Array<ArrayBuffer>]), { name: `recommender-${id}.onnx` })
    onStep('Scoring a customer on a node…')
    const job = await jobs.submit(scoringJob(stored.cid, trained), identity)
    return { trained, modelCid: stored.cid, job }
  }

  if (data === null) {
    return (
      <section className="card" data-testid="listing-loading">
        <div className="card-body">
          {listing.error === null ? <p className="empty">Loading the listing…</p> : <p className="error" data-testid="listing-error">{listing.error}</p>}
          <button type="button" className="button" onClick={onBack}>
            Back to results
          </button>
        </div>
      </section>
    )
  }

  return (
    <div className="market-listing">
      <div className="market-listing-main">
        <ListingHeader listing={data} me={me} onBack={onBack} />
        <CardView card={data.card} kind={data.kind} />
        {app !== null && 'error' in app && <p className="error">{app.error}</p>}
        {app !== null && 'template' in app && jobs !== null && identity !== null && (
          <AppRunCard
            template={app.template}
            entitled={entitled}
            objects={objects}
            onRunJob={(job: Parameters<JobsApi['submit']>[0]): Promise<Job> => jobs.submit(job, identity)}
            onRunRecommender={runRecommender}
            getJob={(jobId) => jobs.get(jobId)}
          />
        )}
        {app !== null && 'template' in app && identity === null && (
          <AppRunCard template={app.template} entitled={null} objects={[]} onRunJob={() => Promise.reject(new Error('no identity'))} onRunRecommender={() => Promise.reject(new Error('no identity'))} getJob={() => Promise.reject(new Error('no identity'))} />
        )}
        <ReviewList
          reviews={reviews.items}
          error={reviews.error}
          seller={seller}
          me={me}
          onAnswer={(reviewId, text) => after((market as MarketApi).answer(reviewId, text))}
          hasMore={reviews.nextCursor !== null}
          loadingMore={reviews.loading === 'more'}
          onMore={reviews.more}
        />
      </div>
      <div className="market-listing-side">
        <BuyForm listing={data} me={me} fees={fees.data} onBuy={(body, key) => after((market as MarketApi).buy(data.id, body, key))} />
        {me !== null && mine.length > 0 && (
          <OrderTable
            role="buyer"
            orders={mine}
            error={null}
            me={me}
            now={now}
            titles={titles}
            onOpenListing={onOpenListing}
            onFulfil={() => Promise.resolve()}
            onDownload={onDownload}
            onClose={onClose}
            hasMore={false}
            loadingMore={false}
            onMore={() => undefined}
            compact
          />
        )}
        {market !== null && identity !== null && computable.some((o) => o.status === 'active' || ran.current) && (
          <ComputeRunCard
            orders={computable}
            exampleSpec={JSON.stringify(exampleSpec(datasetCard), null, 2)}
            sealTo={identity.encryptionKey}
            onRun={(job) => {
              ran.current = true
              return after(market.runOnData(job))
            }}
            getJob={(jobId) => market.job(jobId)}
            openResult={(job) => market.jobResult(job)}
          />
        )}
        {market !== null && allowances.length > 0 && (
          <PaidCallCard
            orders={allowances}
            deployment={deploymentIn(data.description)}
            exampleInputs={JSON.stringify(exampleInputs(modelCard))}
            onCall={(orderId, deploymentId, inputs, key) => after(market.call(orderId, deploymentId, inputs, key))}
          />
        )}
        {market !== null && toReview.length > 0 && (
          <ReviewForm
            key={toReview.map((p) => `${p.order.id}:${p.review?.id ?? ''}`).join(',')}
            purchases={toReview}
            onReview={(orderId, body) => after(market.review(orderId, body))}
            onEdit={(reviewId, body) => after(market.editReview(reviewId, body))}
          />
        )}
      </div>
    </div>
  )
}
