/**
 * Which jobs the public event stream said changed (`job.updated` carries only an id; the owner
 * refetches details with a signed GET). The stream carries every account's jobs, so the page
 * decides what is worth a fetch: its own jobs now, ids it does not know (perhaps a job it just
 * submitted from the CLI) a little later, and `*` (the hub's upkeep touched several) like its own.
 */

/** Job id → the update counter at its latest event. Bounded: the oldest ids fall off. */
export type JobStamps = ReadonlyMap<string, number>

export const MAX_STAMPS = 512
/** The id the hub announces when upkeep (expired leases, speculation) touched several jobs. */
export const ANY_JOB = '*'

/** Records that `jobId` changed at counter `version`. */
export function stampJob(stamps: JobStamps, jobId: string, version: number): JobStamps {
  const next = new Map(stamps)
  next.delete(jobId) // re-inserted last, so the map stays in order of recency
  next.set(jobId, version)
  if (next.size > MAX_STAMPS) {
    const oldest = next.keys().next().value
    if (oldest !== undefined) next.delete(oldest)
  }
  return next
}

export interface RefreshPlan {
  /** One of the account's jobs (or `*`) changed: refetch the list soon. */
  list: boolean
  /** Only unknown ids changed (other accounts' jobs, or a new one of ours): refetch, but lazily. */
  listLazy: boolean
  /** The job on display changed. */
  detail: boolean
}

/** What to refetch after the events since counter `since`. */
export function planRefresh(stamps: JobStamps, since: number, mine: ReadonlySet<string>, selected: string | null): RefreshPlan {
  const plan: RefreshPlan = { list: false, listLazy: false, detail: false }
  for (const [id, version] of stamps) {
    if (version <= since) continue
    if (id === ANY_JOB) {
      plan.list = true
      plan.detail ||= selected !== null
    } else if (mine.has(id)) {
      plan.list = true
      plan.detail ||= id === selected
    } else {
      plan.listLazy = true
    }
  }
  if (plan.list) plan.listLazy = false
  return plan
}
