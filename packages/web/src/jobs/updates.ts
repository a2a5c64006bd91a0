/**
 * Which jobs the event stream said changed (`job.updated` carries only an id; the page refetches
 * details with a signed GET). The stream is subscribed signed and carries only the account's own
 * jobs, so every event is worth a list fetch: an id the page does not know yet is a job just
 * submitted elsewhere (the CLI, another tab), and `*` means the hub's upkeep touched several.
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
  /** One of the account's jobs, a new one, or `*` changed: refetch the list soon. */
  list: boolean
  /** The job on display changed. */
  detail: boolean
}

/** What to refetch after the events since counter `since`. */
export function planRefresh(stamps: JobStamps, since: number, mine: ReadonlySet<string>, selected: string | null): RefreshPlan {
  const plan: RefreshPlan = { list: false, detail: false }
  for (const [id, version] of stamps) {
    if (version <= since) continue
    plan.list = true // ours, or a new job of ours the list does not show yet
    if (id === ANY_JOB) plan.detail ||= selected !== null
    else if (mine.has(id)) plan.detail ||= id === selected
  }
  return plan
}
