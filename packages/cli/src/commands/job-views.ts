/** What `w3ai job status|logs|ls` and `--wait` show: job rows, history events, result summaries. */
import type { Job } from '@w3ai/protocol'
import { table } from '../output.js'

export type JobEvent = Job['history'][number]

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled'])

const MAX_TEXT = 160

function clip(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** An event's detail in one short line: `CODE: message` for errors, a cancellation's reason, `key=value` pairs, else compact JSON. */
export function detailText(detail: unknown): string {
  if (detail === null || detail === undefined) return '-'
  if (isObject(detail) && typeof detail.code === 'string') return clip(typeof detail.message === 'string' ? `${detail.code}: ${detail.message}` : detail.code)
  if (isObject(detail) && typeof detail.reason === 'string') return clip(detail.reason)
  if (isObject(detail) && Object.values(detail).every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) {
    // Flat details (attempt, assigned node, digest) read best as key=value; digests are shortened.
    return clip(Object.entries(detail).map(([k, v]) => `${k}=${typeof v === 'string' && v.length > 24 ? `${v.slice(0, 16)}…` : String(v)}`).join(' '))
  }
  if (typeof detail === 'string') return clip(detail)
  return clip(JSON.stringify(detail))
}

/** `leased t_… on n_… (attempt 1)`: what `--wait` shows as the latest event. */
export function eventText(e: JobEvent): string {
  const detail = detailText(e.detail)
  return `${e.kind} ${e.taskId}${e.nodeId === null ? '' : ` on ${e.nodeId}`}${detail === '-' ? '' : ` (${detail})`}`
}

export const EVENT_COLUMNS = ['TIME', 'KIND', 'TASK', 'NODE', 'DETAIL']

export function eventRow(e: JobEvent): string[] {
  return [e.at, e.kind, e.taskId, e.nodeId ?? '-', detailText(e.detail)]
}

export const JOB_COLUMNS = ['ID', 'EXECUTOR', 'STATUS', 'CREATED', 'FINISHED']

export function jobRow(j: Job): string[] {
  return [j.id, j.executor, j.status, j.createdAt, j.finishedAt ?? '-']
}

/** The job's error as `{ code, message }` when it has one. */
export function jobError(job: Job): { code: string; message: string } | undefined {
  const e = job.error
  if (!isObject(e) || typeof e.code !== 'string') return undefined
  return { code: e.code, message: typeof e.message === 'string' ? e.message : '' }
}

/** Replicas with a committed result, for the `--wait` bar. */
export function replicasDone(job: Job): number {
  const done = new Set(job.history.filter((e) => e.kind === 'succeeded').map((e) => e.taskId))
  return Math.min(done.size, job.replicas)
}

/** `outputs  sum float32[1,3]` for tensor results; compact JSON otherwise. */
export function resultSummary(result: unknown): string {
  if (result === null || result === undefined) return '-'
  if (isObject(result) && isObject(result.outputs)) {
    const tensors = Object.entries(result.outputs).map(([name, t]) =>
      isObject(t) && typeof t.type === 'string' && Array.isArray(t.dims) ? `${name} ${t.type}[${t.dims.join(',')}]` : name,
    )
    return `outputs ${tensors.join(', ')}`
  }
  return clip(JSON.stringify(result))
}

function verificationText(job: Job): string {
  const v = job.verification
  if (v === null) return job.replicas > 1 ? `${job.replicas} replicas, no results yet` : 'none (1 replica)'
  const digests = v.digests.map((d) => (d === null ? '-' : d.slice(0, 12))).join(', ')
  return `${v.agreed ? 'agreed' : 'not agreed'} across ${v.digests.length} result(s): ${digests}`
}

export function describeJob(job: Job): string {
  const error = jobError(job)
  const inputs = Object.entries(job.inputs).map(([role, cid]) => `${role}=${cid}`)
  const last = job.history.at(-1)
  return [
    `job           ${job.id}`,
    `executor      ${job.executor}`,
    `status        ${job.status}`,
    `replicas      ${job.replicas}`,
    `inputs        ${inputs.length === 0 ? '-' : inputs.join(' ')}`,
    `created       ${job.createdAt}`,
    `finished      ${job.finishedAt ?? '-'}`,
    `verification  ${verificationText(job)}`,
    `result        ${resultSummary(job.result)}`,
    `error         ${error === undefined ? '-' : `${error.code}: ${error.message}`}`,
    ...(last === undefined ? [] : [`last event    ${last.at} ${eventText(last)}`]),
  ].join('\n')
}

export function describeHistory(history: JobEvent[]): string {
  return history.length === 0 ? 'no events' : table(EVENT_COLUMNS, history.map(eventRow))
}
