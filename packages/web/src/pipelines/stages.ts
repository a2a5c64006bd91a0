/**
 * What the pipelines page says about stages and privacy: the five stages in order, a word for each
 * state, the plain explanation of each privacy level, and the progress counts of a pipeline.
 */
import { STAGE_NAMES, type Pipeline, type PipelinePrivacy, type PipelineSegment, type PipelineStatus, type StageName, type StageState } from '@w3ai/protocol'

/** Every segment goes through these, in this order. */
export const PIPELINE_STAGES: readonly StageName[] = STAGE_NAMES

/** What each stage does, for its tooltip. */
export const STAGE_HINTS: Readonly<Record<StageName, string>> = {
  encrypt: 'your browser or client encrypts the rows',
  segment: 'the encrypted segment is stored in W3S',
  allocate: 'the hub picks a node and hands it the task',
  compute: 'the node runs the model',
  collect: 'the sealed result is stored and decrypted by you',
}

/** Plain words for each privacy level: what a computing node can and cannot see. */
export const PRIVACY_NOTES: Readonly<Record<PipelinePrivacy, { title: string; note: string }>> = {
  he: {
    title: 'Homomorphic encryption',
    note: 'Nodes compute on ciphertexts: they never see your rows or the results and hold no secret key; only you can decrypt.',
  },
  key: {
    title: 'Key release',
    note: 'The data key is wrapped to the computing node only, for this task: that node sees the rows while it computes, no other does; the result is sealed to you.',
  },
}

/** The privacy level's explanation; an unknown level (a newer hub) is shown as is. */
export function privacyNote(privacy: string): { title: string; note: string } {
  return PRIVACY_NOTES[privacy as PipelinePrivacy] ?? { title: privacy, note: 'A privacy level this page does not know.' }
}

/** The job badge colour that reads right for a stage state (JobStatusBadge's classes). */
export function stageTone(state: StageState): string {
  if (state === 'active') return 'running'
  if (state === 'done') return 'succeeded'
  if (state === 'failed') return 'failed'
  return 'pending'
}

/** A pipeline still moving (the page polls faster and keeps listening). */
export function pipelineActive(status: PipelineStatus | string): boolean {
  return status !== 'succeeded' && status !== 'failed'
}

export interface PipelineProgress {
  total: number
  /** Segments whose every stage is done. */
  done: number
  failed: number
  /** Segments computed on a second or later attempt. */
  redispatched: number
}

/** How far a pipeline's segments are. */
export function pipelineProgress(pipeline: Pick<Pipeline, 'segments'>): PipelineProgress {
  const out: PipelineProgress = { total: pipeline.segments.length, done: 0, failed: 0, redispatched: 0 }
  for (const s of pipeline.segments) {
    if (segmentDone(s)) out.done++
    if (s.stage === 'failed' || PIPELINE_STAGES.some((name) => s.stages[name] === 'failed')) out.failed++
    if (s.attempts > 1) out.redispatched++
  }
  return out
}

/** Whether every stage of the segment is done. */
export function segmentDone(segment: Pick<PipelineSegment, 'stage' | 'stages'>): boolean {
  return segment.stage === 'done' || PIPELINE_STAGES.every((name) => segment.stages[name] === 'done')
}

/** The segment's error (`{ code, message }` as the hub records it), or null. */
export function segmentError(segment: Pick<PipelineSegment, 'error'>): { code: string; message: string } | null {
  const e = segment.error
  if (typeof e !== 'object' || e === null) return null
  const { code, message } = e as { code?: unknown; message?: unknown }
  if (typeof code !== 'string') return null
  return { code, message: typeof message === 'string' ? message : '' }
}

/** "attempt 2" once a segment was dispatched again; nothing on the first. */
export function attemptLabel(attempts: number): string | null {
  return attempts > 1 ? `attempt ${attempts}` : null
}
