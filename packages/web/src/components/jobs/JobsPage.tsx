/**
 * The jobs tab: with the account identity loaded (the storage page's card and signing), a form
 * to run a job, the account's jobs kept current by `job.updated` events (plus a slow poll in case the stream is
 * down), and the selected job in detail. Jobs and deployments are read a page at a time ("Load
 * more"); a refresh re-reads as many as are loaded, so new jobs appear on top and every loaded
 * one stays current.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { Deployment, Job, NodeInfo } from '@w3ai/protocol'
import { useHubData } from '../../hooks/use-hub-data.js'
import { useIdentity } from '../../hooks/use-identity.js'
import { usePagedList } from '../../hooks/use-paged-list.js'
import { useRefresh } from '../../hooks/use-refresh.js'
import { JobsApi } from '../../jobs/api.js'
import { planRefresh, type JobStamps } from '../../jobs/updates.js'
import { IdentityCard } from '../storage/IdentityCard.js'
import { DeploymentTable } from './DeploymentTable.js'
import { RunJobCard } from './RunJobCard.js'
import { JobDetail } from './JobDetail.js'
import { JobTable } from './JobTable.js'

/** A burst of events for one job (epochs, a lease, a result) costs one fetch. */
const EVENT_DEBOUNCE_MS = 150
/** Poll fallbacks: the stream is live and jobs are running / all finished / the stream is down. */
const ACTIVE_POLL_MS = 10_000
const IDLE_POLL_MS = 30_000
const OFFLINE_POLL_MS = 3000

const FINISHED = new Set(['succeeded', 'failed', 'cancelled'])
const jobKey = (j: Job): string => j.id
const deploymentKey = (d: Deployment): string => d.id

interface JobsPageProps {
  nodes: ReadonlyMap<string, NodeInfo>
  hubId: string | null
  /** From the event stream: the count of `job.updated` events and which job each was about. */
  jobVersion: number
  jobStamps: JobStamps
  /** From the event stream: the count of `deployment.updated` events. */
  deploymentVersion: number
  streamLive: boolean
}

export default function JobsPage({ nodes, hubId, jobVersion, jobStamps, deploymentVersion, streamLive }: JobsPageProps) {
  const { identity, api } = useIdentity()
  const jobsApi = useMemo(() => (api === null ? null : new JobsApi(api)), [api])
  const [selected, setSelected] = useState<string | null>(null)
  const [listVersion, requestList] = useRefresh()
  const [detailVersion, requestDetail] = useRefresh()

  const jobs = usePagedList(jobsApi?.jobPages ?? null, jobKey, listVersion)
  const loadJob = useCallback(() => (jobsApi as JobsApi).get(selected as string), [jobsApi, selected])
  const detail = useHubData(jobsApi === null || selected === null ? null : loadJob, detailVersion)
  const [deploymentsVersion, requestDeployments] = useRefresh()
  const deployments = usePagedList(jobsApi?.deploymentPages ?? null, deploymentKey, deploymentsVersion)
  useEffect(() => requestDeployments(EVENT_DEBOUNCE_MS), [deploymentVersion])
  // Request counts move without events: a slow poll keeps them current.
  useEffect(() => {
    if (jobsApi === null) return
    const timer = setInterval(() => requestDeployments(0), streamLive ? ACTIVE_POLL_MS / 2 : OFFLINE_POLL_MS)
    return () => clearInterval(timer)
  }, [jobsApi, streamLive, requestDeployments])
  const mine = useMemo(() => new Set((jobs.items ?? []).map((j) => j.id)), [jobs.items])

  // Follow the stream: only events after the ones already acted on count.
  const seen = useRef(jobVersion)
  useEffect(() => {
    const plan = planRefresh(jobStamps, seen.current, mine, selected)
    seen.current = jobVersion
    if (plan.list) requestList(EVENT_DEBOUNCE_MS)
    if (plan.detail) requestDetail(EVENT_DEBOUNCE_MS)
  }, [jobVersion])

  // The list is fresher than the detail (the status moved on): catch the detail up.
  const listed = jobs.items?.find((j) => j.id === selected)
  useEffect(() => {
    if (listed !== undefined && detail.data?.id === listed.id && detail.data.status !== listed.status) requestDetail(0)
  }, [listed?.status])

  const active = jobs.items?.some((j) => !FINISHED.has(j.status)) ?? false
  useEffect(() => {
    if (jobsApi === null) return
    const ms = !streamLive ? OFFLINE_POLL_MS : active ? ACTIVE_POLL_MS : IDLE_POLL_MS
    const timer = setInterval(() => {
      requestList(0)
      requestDetail(0)
    }, ms)
    return () => clearInterval(timer)
  }, [jobsApi, streamLive, active, requestList, requestDetail])

  const refresh = (): void => {
    requestList(0)
    requestDetail(0)
    requestDeployments(0)
  }
  const job = selected !== null && detail.data?.id === selected ? detail.data : null
  const onSubmitted = (submitted: Job): void => {
    setSelected(submitted.id)
    requestList(0)
    requestDetail(0)
  }

  return (
    <div className="storage jobs-page" data-testid="jobs-tab">
      {identity === null && <IdentityCard purpose="to run and see your compute jobs" />}
      {identity !== null && api !== null && jobsApi !== null && (
        <>
          <div className="storage-top">
            <IdentityCard purpose="to run and see your compute jobs" compact />
            <RunJobCard api={api} jobs={jobsApi} identity={identity} onSubmitted={onSubmitted} />
          </div>
          <JobTable
            jobs={jobs.items}
            error={jobs.error}
            selected={selected}
            onSelect={setSelected}
            onRefresh={refresh}
            hasMore={jobs.nextCursor !== null}
            loadingMore={jobs.loading === 'more'}
            onMore={jobs.more}
          />
        </>
      )}
      {identity !== null && (deployments.items?.length ?? 0) > 0 && (
        <DeploymentTable deployments={deployments.items ?? []} nodes={nodes} hasMore={deployments.nextCursor !== null} loadingMore={deployments.loading === 'more'} onMore={deployments.more} />
      )}
      {identity !== null && job !== null && <JobDetail job={job} nodes={nodes} hubId={hubId} />}
      {identity !== null && selected !== null && job === null && detail.error === null && <p className="empty">Loading job…</p>}
      {identity !== null && selected !== null && detail.error !== null && <p className="error">{detail.error}</p>}
    </div>
  )
}
