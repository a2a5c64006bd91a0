/**
 * `w3ai pipeline run`: reads the rows, builds the codec of the privacy level (pipeline-codec.ts)
 * and, with --wait, hands both to the SDK's `pipelines.run`, which stores each encrypted segment,
 * starts its job, collects its sealed result and decodes it here. Without --wait the SDK's
 * `pipelines.submit` stores and posts the segments, the pipeline id is printed, and the command
 * ends: under `key` the results stay sealed to you in the jobs until `w3ai pipeline collect`;
 * under `he` only this process could decrypt them, so he needs --wait.
 */
import { MAX_PIPELINE_SEGMENTS, W3aiError, type Pipeline, type PipelinePrivacy } from '@w3ai/protocol'
import { PipelinesClient, StorageClient } from '@w3ai/sdk'
import { badArgument } from '../args.js'
import { EXIT_FAILURE } from '../constants.js'
import { accountIdentityOf, hubClientOf, unreachableNote, type CommonFlags } from '../context.js'
import { createOut, ReportedFailure, type Out } from '../output.js'
import { buildCodec, defaultSegments } from './pipeline-codec.js'
import { readRows } from './pipeline-input.js'
import { pipelineReporter } from './pipeline-progress.js'
import { describePipeline, segmentErrorOf } from './pipeline-views.js'

export interface PipelineRunFlags extends CommonFlags {
  model: string
  input: string
  privacy: PipelinePrivacy
  segments?: number
  sigmoid?: 'client' | 'poly'
  wait?: boolean
  timeout?: number
}

/** Default --timeout of `pipeline run --wait`, in seconds. */
export const PIPELINE_WAIT_TIMEOUT_S = 1800

/** The identity first (a missing one is the likelier mistake), then the hub. */
export async function pipelinesClient(flags: CommonFlags): Promise<PipelinesClient> {
  const identity = await accountIdentityOf(flags)
  return new PipelinesClient(await hubClientOf(flags, identity), identity)
}

/** The flag combinations the parsers cannot see one by one. */
function checkFlags(flags: PipelineRunFlags): void {
  if (flags.sigmoid !== undefined && flags.privacy !== 'he') throw badArgument('--sigmoid', flags.sigmoid, 'no --sigmoid: it applies to --privacy he only')
  if (flags.privacy === 'he' && flags.wait !== true) {
    throw new W3aiError('CLI_BAD_ARGUMENT', '--privacy he needs --wait: the CKKS secret key lives only in this process, so only this run can decrypt the outputs.')
  }
  if (flags.timeout !== undefined && flags.wait !== true) throw badArgument('--timeout', String(flags.timeout), 'no --timeout without --wait')
}

/** --segments, or as few as the rows need; refused when a segment would hold more rows than its job's result can carry. */
function segmentsFor(flags: PipelineRunFlags, rows: number, maxSegmentRows: number): number {
  const segments = flags.segments ?? defaultSegments(rows, { maxSegmentRows })
  if (Math.ceil(rows / segments) > maxSegmentRows) {
    const hint = Math.ceil(rows / maxSegmentRows) <= MAX_PIPELINE_SEGMENTS ? `use --segments ${Math.ceil(rows / maxSegmentRows)} or more` : `split ${flags.input} into several pipelines`
    throw new W3aiError('CLI_BAD_ARGUMENT', `${rows} rows in ${segments} segments is more than ${maxSegmentRows} rows per segment, the most one job's result holds under --privacy ${flags.privacy}; ${hint}.`)
  }
  return segments
}

/** Reads and checks everything local, builds the codec, then runs (--wait) or submits the pipeline. */
export async function runPipeline(flags: PipelineRunFlags): Promise<void> {
  checkFlags(flags)
  const rows = await readRows(flags.input)
  // Before any request, like every other local check.
  if (flags.segments !== undefined && flags.segments > rows.length) {
    throw new W3aiError('CLI_BAD_ARGUMENT', `--segments ${flags.segments} is more than the ${rows.length} rows of ${flags.input}.`)
  }
  const out = createOut(flags.json === true)
  const identity = await accountIdentityOf(flags)
  const hub = await hubClientOf(flags, identity)
  const pipelines = new PipelinesClient(hub, identity)
  const reporter = pipelineReporter({ quiet: out.json })
  const built = await buildCodec(new StorageClient(hub, identity), { privacy: flags.privacy, model: flags.model, features: rows[0]?.length ?? 0, note: reporter.note, ...(flags.sigmoid === undefined ? {} : { sigmoid: flags.sigmoid }) })
  try {
    const segments = segmentsFor(flags, rows.length, built.maxSegmentRows)
    if (flags.wait !== true) {
      const { pipeline } = await pipelines.submit({ model: flags.model, privacy: flags.privacy, rows, segments, codec: built.codec })
      printSubmitted(out, pipeline)
      return
    }
    let result: { pipeline: Pipeline; outputs: number[][] }
    try {
      result = await pipelines.run({
        model: flags.model,
        privacy: flags.privacy,
        rows,
        segments,
        codec: built.codec,
        ...(flags.sigmoid === undefined ? {} : { params: { sigmoid: flags.sigmoid } }),
        onUpdate: reporter.onUpdate,
        timeoutMs: (flags.timeout ?? PIPELINE_WAIT_TIMEOUT_S) * 1000,
        follow: { onUnreachable: unreachableNote(flags) },
      })
    } finally {
      reporter.done()
    }
    report(out, result.pipeline, result.outputs)
  } finally {
    built.close()
  }
}

const jobIdsOf = (p: Pipeline): string[] => p.segments.map((s) => s.jobId).filter((j): j is string => j !== null)

function printSubmitted(out: Out, p: Pipeline): void {
  out.result({ pipelineId: p.id, jobIds: jobIdsOf(p), privacy: p.privacy, rows: p.rows, status: p.status }, () =>
    [
      `submitted ${p.id} (${p.rows} rows in ${p.segments.length} segments)`,
      `follow it with \`w3ai pipeline show ${p.id}\`; its results stay sealed to you in its jobs until \`w3ai pipeline collect ${p.id}\` collects and decodes them`,
    ].join('\n'),
  )
}

/**
 * Prints the finished pipeline; fails the command (exit 1) unless it succeeded. With --json a
 * failure's `error` is its first failed segment's (or PIPELINE_INVALID_STATE), as `job run` reports a job's.
 */
export function report(out: Out, pipeline: Pipeline, outputs: number[][]): void {
  const summary = { pipelineId: pipeline.id, jobIds: jobIdsOf(pipeline), privacy: pipeline.privacy, rows: pipeline.rows, status: pipeline.status }
  if (pipeline.status === 'succeeded') {
    out.result({ ...summary, outputs }, () => [describePipeline(pipeline), '', 'outputs (one row per line)', ...outputs.map((o) => o.join(','))].join('\n'))
    return
  }
  const failed = pipeline.segments.map(segmentErrorOf).find((e) => e !== undefined)
  const error = failed ?? { code: 'PIPELINE_INVALID_STATE', message: `Pipeline ${pipeline.id} was ${pipeline.status} before every segment was collected.` }
  out.result({ ...summary, error }, () => describePipeline(pipeline))
  if (!out.json) process.stderr.write(`error ${error.code}: ${error.message}\n`)
  throw new ReportedFailure(EXIT_FAILURE)
}
