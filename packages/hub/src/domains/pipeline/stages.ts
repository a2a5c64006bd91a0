/**
 * Where a segment and a pipeline are, derived from the segment's job and the client's collect
 * step (nothing is stored twice): awaiting-keys → allocate; queued or running → compute;
 * succeeded → collect until the client posts the decrypted result → done; failed or cancelled →
 * failed, at allocate when no node ever leased it, else at compute.
 */
import type { PipelineStatus, SegmentStage, StageName, StageState } from '@w3ai/protocol'

export interface SegmentFacts {
  /** Null while the segment is not posted. */
  jobStatus: string | null
  posted: boolean
  leases: number
  decrypted: boolean
}

export type Stages = Record<StageName, StageState>

const ORDER: readonly StageName[] = ['encrypt', 'segment', 'allocate', 'compute', 'collect']

/** Every stage before `at` done, `at` in `state`, the rest pending. */
function upTo(at: StageName, state: StageState): Stages {
  const i = ORDER.indexOf(at)
  return Object.fromEntries(ORDER.map((name, k) => [name, k < i ? 'done' : k === i ? state : 'pending'])) as Stages
}

/** The segment's current stage and the state of each stage. */
export function segmentStages(f: SegmentFacts): { stage: SegmentStage; stages: Stages } {
  if (!f.posted) return { stage: 'encrypt', stages: upTo('encrypt', 'active') }
  switch (f.jobStatus) {
    case 'awaiting-keys':
      return { stage: 'allocate', stages: upTo('allocate', 'active') }
    case 'queued':
    case 'running':
      return { stage: 'compute', stages: upTo('compute', 'active') }
    case 'succeeded':
      return f.decrypted ? { stage: 'done', stages: upTo('collect', 'done') } : { stage: 'collect', stages: upTo('collect', 'active') }
    default:
      // failed, cancelled, or a job that is gone
      return { stage: 'failed', stages: upTo(f.leases > 0 ? 'compute' : 'allocate', 'failed') }
  }
}

/** encrypting until every segment is posted, running while any computes, collecting, then succeeded; failed once any segment failed. */
export function pipelineStatus(stages: readonly SegmentStage[]): PipelineStatus {
  if (stages.includes('failed')) return 'failed'
  if (stages.every((s) => s === 'done')) return 'succeeded'
  if (stages.includes('encrypt')) return 'encrypting'
  if (stages.includes('allocate') || stages.includes('compute')) return 'running'
  return 'collecting'
}
