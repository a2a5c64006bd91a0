/** What `w3ai pipeline run|show|ls` show: a pipeline, its segments' stages as a table, list rows. */
import { STAGE_NAMES, type Pipeline, type PipelineSegment, type PipelineSummary } from '@w3ai/protocol'
import { table } from '../output.js'

export const TERMINAL_PIPELINE_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed'])

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A segment's error as `{ code, message }`, when it has one. */
export function segmentErrorOf(s: PipelineSegment): { code: string; message: string } | undefined {
  const e = s.error
  if (!isObject(e) || typeof e.code !== 'string') return undefined
  return { code: e.code, message: typeof e.message === 'string' ? e.message : '' }
}

/** A segment's error as `CODE: message`, when it has one. */
export function segmentError(s: PipelineSegment): string | undefined {
  const e = segmentErrorOf(s)
  return e === undefined ? undefined : `${e.code}: ${e.message}`
}

export const SEGMENT_COLUMNS = ['SEGMENT', 'ROWS', 'STAGE', ...STAGE_NAMES.map((s) => s.toUpperCase()), 'NODE', 'JOB', 'ERROR']

export function segmentRow(s: PipelineSegment): string[] {
  return [String(s.index), s.rows === null ? '-' : String(s.rows), s.stage, ...STAGE_NAMES.map((stage) => s.stages[stage]), s.nodeId ?? '-', s.jobId ?? '-', segmentError(s) ?? '-']
}

/** One line per segment, for logs and terminals that cannot redraw. */
export function segmentLine(p: Pick<Pipeline, 'id' | 'segments'>, s: PipelineSegment): string {
  const where = s.nodeId === null ? '' : ` on ${s.nodeId}`
  const rows = s.rows === null ? '' : ` (${s.rows} rows)`
  const error = segmentError(s)
  return `pipeline ${p.id} segment ${s.index + 1}/${p.segments.length} ${s.stage}${where}${rows}${error === undefined ? '' : `  ${error}`}`
}

/** A pipeline for people: what it runs, its status, then each segment's stages. */
export function describePipeline(p: Pipeline): string {
  const done = p.segments.filter((s) => s.stage === 'done').length
  return [
    `pipeline ${p.id} (privacy ${p.privacy}): ${p.status}, ${p.rows} rows in ${p.segments.length} segments, ${done} done`,
    `model ${p.model}`,
    `created ${p.createdAt}${p.finishedAt === null ? '' : `, finished ${p.finishedAt}`}`,
    '',
    table(SEGMENT_COLUMNS, p.segments.map(segmentRow)),
  ].join('\n')
}

export const PIPELINE_COLUMNS = ['ID', 'STATUS', 'PRIVACY', 'ROWS', 'SEGMENTS', 'MODEL', 'CREATED']

export function pipelineRow(p: Pipeline | PipelineSummary): string[] {
  const segments = 'segmentCount' in p ? p.segmentCount : p.segments.length
  return [p.id, p.status, p.privacy, String(p.rows), String(segments), p.model, p.createdAt]
}
