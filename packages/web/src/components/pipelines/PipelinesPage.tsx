/**
 * The pipelines tab: with the account identity loaded, the account's pipelines (paged, "Load
 * more") and the open one (`#pipelines/<id>`) with every segment's stages. `pipeline.updated`
 * events refetch the list and the open pipeline, so stages move live; when the stream is down a
 * quicker poll takes over, as on the jobs page. An id the hub does not know says so.
 */
import { useCallback, useEffect, useMemo, useRef } from 'react'
import type { NodeInfo, PipelineSummary } from '@w3ai/protocol'
import { useHubData } from '../../hooks/use-hub-data.js'
import { useIdentity } from '../../hooks/use-identity.js'
import { usePagedList } from '../../hooks/use-paged-list.js'
import { useRefresh } from '../../hooks/use-refresh.js'
import { planRefresh, type JobStamps } from '../../jobs/updates.js'
import { PipelinesApi } from '../../pipelines/api.js'
import { pipelineActive } from '../../pipelines/stages.js'
import { useSelectedPipeline } from '../../pipelines/use-selected.js'
import { IdentityCard } from '../storage/IdentityCard.js'
import { PipelineDetail } from './PipelineDetail.js'
import { PipelineTable } from './PipelineTable.js'
import './pipelines.css'

/** A burst of events (several segments moving together) costs one fetch. */
const EVENT_DEBOUNCE_MS = 150
/** Poll fallbacks: the stream is live and a pipeline runs / all are finished / the stream is down. */
const ACTIVE_POLL_MS = 10_000
const IDLE_POLL_MS = 30_000
const OFFLINE_POLL_MS = 3000

const pipelineKey = (p: PipelineSummary): string => p.id
const PURPOSE = 'to see your private inference pipelines'

interface PipelinesPageProps {
  nodes: ReadonlyMap<string, NodeInfo>
  /** From the event stream: the count of `pipeline.updated` events and which pipeline each was about. */
  pipelineVersion: number
  pipelineStamps: JobStamps
  streamLive: boolean
}

export default function PipelinesPage({ nodes, pipelineVersion, pipelineStamps, streamLive }: PipelinesPageProps) {
  const { identity, api } = useIdentity()
  const pipelinesApi = useMemo(() => (api === null ? null : new PipelinesApi(api)), [api])
  const [selected, select] = useSelectedPipeline()
  const [listVersion, requestList] = useRefresh()
  const [detailVersion, requestDetail] = useRefresh()

  const pipelines = usePagedList(pipelinesApi?.pipelinePages ?? null, pipelineKey, listVersion)
  const loadPipeline = useCallback(() => (pipelinesApi as PipelinesApi).find(selected as string), [pipelinesApi, selected])
  const detail = useHubData(pipelinesApi === null || selected === null ? null : loadPipeline, detailVersion)
  const mine = useMemo(() => new Set((pipelines.items ?? []).map((p) => p.id)), [pipelines.items])

  // Follow the stream: only events after the ones already acted on count.
  const seen = useRef(pipelineVersion)
  useEffect(() => {
    const since = seen.current
    const plan = planRefresh(pipelineStamps, since, mine, selected)
    seen.current = pipelineVersion
    if (plan.list) requestList(EVENT_DEBOUNCE_MS)
    // The open pipeline may be one the list has not loaded yet (a link, a pipeline just created).
    const openChanged = selected !== null && (pipelineStamps.get(selected) ?? 0) > since
    if (plan.detail || openChanged) requestDetail(EVENT_DEBOUNCE_MS)
  }, [pipelineVersion])

  // The list is fresher than the detail (the status moved on): catch the detail up.
  const listed = pipelines.items?.find((p) => p.id === selected)
  const shown = detail.data !== null && 'id' in detail.data && detail.data.id === selected ? detail.data : null
  useEffect(() => {
    if (listed !== undefined && shown !== null && shown.status !== listed.status) requestDetail(0)
  }, [listed?.status])

  const active = (pipelines.items?.some((p) => pipelineActive(p.status)) ?? false) || (shown !== null && pipelineActive(shown.status))
  useEffect(() => {
    if (pipelinesApi === null) return
    const ms = !streamLive ? OFFLINE_POLL_MS : active ? ACTIVE_POLL_MS : IDLE_POLL_MS
    const timer = setInterval(() => {
      requestList(0)
      requestDetail(0)
    }, ms)
    return () => clearInterval(timer)
  }, [pipelinesApi, streamLive, active, requestList, requestDetail])

  const refresh = (): void => {
    requestList(0)
    requestDetail(0)
  }
  const missing = detail.data !== null && 'notFound' in detail.data && detail.data.notFound === selected ? detail.data : null

  return (
    <div className="storage jobs-page pipelines-page" data-testid="pipelines-tab">
      {identity === null && <IdentityCard purpose={PURPOSE} />}
      {identity !== null && pipelinesApi !== null && (
        <>
          <IdentityCard purpose={PURPOSE} compact />
          <PipelineTable
            pipelines={pipelines.items}
            error={pipelines.error}
            selected={selected}
            onSelect={select}
            onRefresh={refresh}
            hasMore={pipelines.nextCursor !== null}
            loadingMore={pipelines.loading === 'more'}
            onMore={pipelines.more}
          />
        </>
      )}
      {identity !== null && shown !== null && <PipelineDetail pipeline={shown} nodes={nodes} />}
      {identity !== null && missing !== null && (
        <section className="card detail-card" data-testid="pipeline-not-found" data-pipeline-id={missing.notFound}>
          <header className="card-head">
            <h2>
              No such pipeline <code className="card-sub">{missing.notFound}</code>
            </h2>
            <button type="button" className="button" onClick={() => select(null)}>
              Close
            </button>
          </header>
          <p className="empty">{missing.message} Pipelines are shown only to the account that created them.</p>
        </section>
      )}
      {identity !== null && selected !== null && shown === null && missing === null && detail.error === null && <p className="empty">Loading pipeline…</p>}
      {identity !== null && selected !== null && detail.error !== null && <p className="error">{detail.error}</p>}
    </div>
  )
}
