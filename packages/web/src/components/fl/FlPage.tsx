/**
 * The federated tab: with the account identity loaded, the account's trainings (paged, "Load
 * more") and the selected one in detail with stop and resume. `fl.updated` events (a round ended,
 * the status changed) refetch the list and the open training; when the stream is down a quicker
 * poll takes over, as on the jobs page.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { FlTrainingSummary, NodeInfo } from '@w3ai/protocol'
import { FlApi } from '../../fl/api.js'
import { useHubData } from '../../hooks/use-hub-data.js'
import { useIdentity } from '../../hooks/use-identity.js'
import { usePagedList } from '../../hooks/use-paged-list.js'
import { useRefresh } from '../../hooks/use-refresh.js'
import { planRefresh, type JobStamps } from '../../jobs/updates.js'
import { IdentityCard } from '../storage/IdentityCard.js'
import { TrainingDetail, type FlAction } from './TrainingDetail.js'
import { TrainingTable } from './TrainingTable.js'
import './fl.css'

/** A burst of events (several trainings finishing a round together) costs one fetch. */
const EVENT_DEBOUNCE_MS = 150
/** Poll fallbacks: the stream is live and a training runs / all are finished / the stream is down. */
const ACTIVE_POLL_MS = 10_000
const IDLE_POLL_MS = 30_000
const OFFLINE_POLL_MS = 3000

const trainingKey = (t: FlTrainingSummary): string => t.id

interface FlPageProps {
  nodes: ReadonlyMap<string, NodeInfo>
  /** From the event stream: the count of `fl.updated` events and which training each was about. */
  flVersion: number
  flStamps: JobStamps
  streamLive: boolean
}

export default function FlPage({ nodes, flVersion, flStamps, streamLive }: FlPageProps) {
  const { identity, api } = useIdentity()
  const flApi = useMemo(() => (api === null ? null : new FlApi(api)), [api])
  const [selected, setSelected] = useState<string | null>(null)
  const [listVersion, requestList] = useRefresh()
  const [detailVersion, requestDetail] = useRefresh()
  const [acting, setActing] = useState<FlAction | null>(null)
  const [actionError, setActionError] = useState<string | null>(null)

  const trainings = usePagedList(flApi?.trainingPages ?? null, trainingKey, listVersion)
  const loadTraining = useCallback(() => (flApi as FlApi).get(selected as string), [flApi, selected])
  const detail = useHubData(flApi === null || selected === null ? null : loadTraining, detailVersion)
  const mine = useMemo(() => new Set((trainings.items ?? []).map((t) => t.id)), [trainings.items])

  // Follow the stream: only events after the ones already acted on count.
  const seen = useRef(flVersion)
  useEffect(() => {
    const plan = planRefresh(flStamps, seen.current, mine, selected)
    seen.current = flVersion
    if (plan.list) requestList(EVENT_DEBOUNCE_MS)
    if (plan.detail) requestDetail(EVENT_DEBOUNCE_MS)
  }, [flVersion])

  const active = trainings.items?.some((t) => t.status === 'running') ?? false
  useEffect(() => {
    if (flApi === null) return
    const ms = !streamLive ? OFFLINE_POLL_MS : active ? ACTIVE_POLL_MS : IDLE_POLL_MS
    const timer = setInterval(() => {
      requestList(0)
      requestDetail(0)
    }, ms)
    return () => clearInterval(timer)
  }, [flApi, streamLive, active, requestList, requestDetail])

  const refresh = (): void => {
    requestList(0)
    requestDetail(0)
  }
  const select = (id: string): void => {
    setActionError(null)
    setSelected(id)
  }
  // The list holds summaries; the detail (config, clients, rounds, topology) is the training fetched on its own.
  const training = selected !== null && detail.data?.id === selected ? detail.data : null

  const act = async (action: FlAction): Promise<void> => {
    if (flApi === null || training === null) return
    setActing(action)
    setActionError(null)
    try {
      await (action === 'stop' ? flApi.stop(training.id) : flApi.resume(training.id))
    } catch (err) {
      setActionError(err instanceof Error ? err.message : String(err))
    } finally {
      setActing(null)
      refresh()
    }
  }

  return (
    <div className="storage jobs-page fl-page" data-testid="fl-tab">
      {identity === null && <IdentityCard purpose="to see and steer your federated trainings" />}
      {identity !== null && flApi !== null && (
        <>
          <IdentityCard purpose="to see and steer your federated trainings" compact />
          <TrainingTable
            trainings={trainings.items}
            error={trainings.error}
            selected={selected}
            onSelect={select}
            onRefresh={refresh}
            hasMore={trainings.nextCursor !== null}
            loadingMore={trainings.loading === 'more'}
            onMore={trainings.more}
          />
        </>
      )}
      {identity !== null && training !== null && <TrainingDetail training={training} nodes={nodes} onAction={(a) => void act(a)} acting={acting} actionError={actionError} />}
      {identity !== null && selected !== null && training === null && detail.error === null && <p className="empty">Loading training…</p>}
      {identity !== null && selected !== null && detail.error !== null && <p className="error">{detail.error}</p>}
    </div>
  )
}
