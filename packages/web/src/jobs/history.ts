/**
 * Reading a job's history: the training curve from `progress` events, a display tone per event
 * kind, and which nodes ran its tasks with what outcome (for the map).
 */
import type { Job } from '@w3ai/protocol'

export type JobEvent = Job['history'][number]

/** Metrics after one epoch, as the train executor reports them (accuracy as a 0..1 share). */
export interface EpochPoint {
  epoch: number
  loss?: number
  acc?: number
  valLoss?: number
  valAcc?: number
}

const METRIC_KEYS = ['loss', 'acc', 'valLoss', 'valAcc'] as const

/** An epoch point from a progress detail or a result's history entry; null if it is not one. */
export function toEpochPoint(value: unknown): EpochPoint | null {
  if (value === null || typeof value !== 'object') return null
  const v = value as Record<string, unknown>
  if (v.kind !== undefined && v.kind !== 'epoch') return null
  if (typeof v.epoch !== 'number' || !Number.isFinite(v.epoch)) return null
  const point: EpochPoint = { epoch: v.epoch }
  for (const key of METRIC_KEYS) {
    const m = v[key]
    if (typeof m === 'number' && Number.isFinite(m)) point[key] = m
  }
  return point
}

/**
 * The epochs of one run, in order. Replicas and retried attempts each report their own epochs, so
 * one run is chosen: the task that succeeded, else the one that reported last; within it only the
 * epochs since its latest lease (a retry starts training over). Jobs whose history has no progress
 * fall back to the per-epoch history in a train result.
 */
export function epochsOf(history: readonly JobEvent[], result?: unknown): EpochPoint[] {
  const progress = history.filter((e) => e.kind === 'progress' && toEpochPoint(e.detail) !== null)
  if (progress.length === 0) return fromResult(result)
  const succeeded = history.find((e) => e.kind === 'succeeded' && progress.some((p) => p.taskId === e.taskId))
  const taskId = succeeded?.taskId ?? (progress[progress.length - 1] as JobEvent).taskId
  let start = 0
  history.forEach((e, i) => {
    if (e.taskId === taskId && e.kind === 'leased') start = i
  })
  const byEpoch = new Map<number, EpochPoint>()
  for (const e of history.slice(start)) {
    if (e.taskId !== taskId || e.kind !== 'progress') continue
    const point = toEpochPoint(e.detail)
    if (point !== null) byEpoch.set(point.epoch, point)
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch)
}

function fromResult(result: unknown): EpochPoint[] {
  const history = (result as { history?: unknown } | null | undefined)?.history
  if (!Array.isArray(history)) return []
  return history.map(toEpochPoint).filter((p): p is EpochPoint => p !== null)
}

export type EventTone = 'ok' | 'bad' | 'warn' | 'info' | 'muted'

/** Retries, expirations and speculation stand out; success and failure have their colours. */
export function toneOf(kind: string): EventTone {
  switch (kind) {
    case 'succeeded':
      return 'ok'
    case 'failed':
      return 'bad'
    case 'retrying':
    case 'expired':
    case 'speculated':
      return 'warn'
    case 'duplicate':
    case 'cancelled':
      return 'muted'
    default:
      return 'info'
  }
}

export type TaskOutcome = 'running' | 'succeeded' | 'failed'

/**
 * Every node that leased one of the job's tasks, with how its last attempt ended: `failed` covers
 * failed, retried elsewhere and expired leases.
 */
export function taskNodes(history: readonly JobEvent[]): Map<string, TaskOutcome> {
  const nodes = new Map<string, TaskOutcome>()
  for (const e of history) {
    if (e.nodeId === null) continue
    if (e.kind === 'leased') nodes.set(e.nodeId, 'running')
    else if (e.kind === 'succeeded') nodes.set(e.nodeId, 'succeeded')
    else if (e.kind === 'failed' || e.kind === 'retrying' || e.kind === 'expired') nodes.set(e.nodeId, 'failed')
  }
  return nodes
}

/** A one-line description of an event's detail for the timeline; `nameOf` names node ids. */
export function describeEvent(e: JobEvent, nameOf: (nodeId: string) => string = (id) => `${id.slice(0, 10)}…`): string {
  const d = (e.detail ?? null) as Record<string, unknown> | null
  if (e.kind === 'progress') {
    const p = toEpochPoint(d)
    if (p === null) return d === null ? '' : compactJson(d)
    const parts = [`epoch ${p.epoch}`]
    if (p.loss !== undefined) parts.push(`loss ${p.loss.toFixed(3)}`)
    if (p.acc !== undefined) parts.push(`acc ${percent(p.acc)}`)
    if (p.valLoss !== undefined) parts.push(`val loss ${p.valLoss.toFixed(3)}`)
    if (p.valAcc !== undefined) parts.push(`val acc ${percent(p.valAcc)}`)
    return parts.join(' · ')
  }
  if (d === null || typeof d !== 'object') return ''
  if (typeof d.code === 'string') return typeof d.message === 'string' ? `${d.code}: ${d.message}` : d.code
  if (e.kind === 'leased' && typeof d.attempt === 'number') return `attempt ${d.attempt}`
  if (e.kind === 'succeeded' && typeof d.digest === 'string') return `digest ${d.digest.slice(0, 12)}…`
  if (typeof d.reason === 'string') return d.reason
  if (typeof d.assignedNode === 'string') return `assigned to ${nameOf(d.assignedNode)}`
  return compactJson(d)
}

/** 0.9312 → "93.1%". */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`
}

function compactJson(value: unknown): string {
  const text = JSON.stringify(value)
  return text.length > 120 ? `${text.slice(0, 119)}…` : text
}
