/**
 * `w3ai pipeline run|collect|show|ls`: secure batch inference of the account in <home>/identity.json.
 * The run itself (codecs, encryption, decryption) lives in pipeline-run.ts, collecting a submitted
 * one in pipeline-collect.ts; this file holds the flags, their checks, and the look-ups.
 */
import type { Command } from 'commander'
import { PIPELINE_PRIVACY, PipelineIdSchema, MAX_PIPELINE_SEGMENTS, type PipelinePrivacy } from '@w3ai/protocol'
import { badArgument, checkCid, parseWaitTimeout } from '../args.js'
import { type CommonFlags } from '../context.js'
import { createOut, table } from '../output.js'
import { withCommon } from './common.js'
import { collectPipeline, type PipelineCollectFlags } from './pipeline-collect.js'
import { listWith, moreNote, withListOptions, type ListFlags } from './paging.js'
import { pipelinesClient, runPipeline, PIPELINE_WAIT_TIMEOUT_S, type PipelineRunFlags } from './pipeline-run.js'
import { describePipeline, pipelineRow, PIPELINE_COLUMNS } from './pipeline-views.js'

export function parsePrivacy(value: string): PipelinePrivacy {
  if (!(PIPELINE_PRIVACY as readonly string[]).includes(value)) throw badArgument('--privacy', value, `one of ${PIPELINE_PRIVACY.join(', ')}`)
  return value as PipelinePrivacy
}

export function parseSegments(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > MAX_PIPELINE_SEGMENTS) throw badArgument('--segments', value, `an integer 1..${MAX_PIPELINE_SEGMENTS}`)
  return n
}

export function parseSigmoid(value: string): 'client' | 'poly' {
  if (value !== 'client' && value !== 'poly') throw badArgument('--sigmoid', value, 'client (the CLI applies it after decrypting) or poly (the node evaluates a polynomial approximation)')
  return value
}

const PIPELINE_ID_RE = new RegExp((PipelineIdSchema as { pattern: string }).pattern)

/** A pipeline id, checked before any request (`w3ai pipeline ls` lists them). */
export function checkPipelineId(value: string): string {
  if (!PIPELINE_ID_RE.test(value)) throw badArgument('pipeline id', value, 'an id like p_0123456789abcdef01234567 (see `w3ai pipeline ls`)')
  return value
}

export function registerPipelineCommands(program: Command): void {
  const pipeline = program.command('pipeline').description('secure batch inference: run a stored model over your rows, encrypted (he) or under a key only the chosen node gets (key)')

  withCommon(pipeline.command('run'))
    .description('run a stored ONNX model over the rows of a CSV or JSON file, split in segments across nodes; --wait collects and decrypts the outputs here (privacy key: or later, `w3ai pipeline collect ID`)')
    .requiredOption('--model <cid>', 'the model object (`w3ai model add`); you must be able to read it', checkCid)
    .requiredOption('--input <file>', 'feature rows: a CSV file (header row optional, numbers only) or a .json array of arrays')
    .requiredOption('--privacy <level>', 'he: the nodes compute on CKKS ciphertexts and never see the rows; key: the input key is wrapped to the chosen node only', parsePrivacy)
    .option('--segments <n>', `split the rows into N segments, one job each, 1..${MAX_PIPELINE_SEGMENTS} (default: as few as the rows need)`, parseSegments)
    .option('--sigmoid <where>', 'privacy he: a final Sigmoid applied by this CLI after decrypting (client, default) or by the node as a polynomial (poly)', parseSigmoid)
    .option('--wait', 'follow the segments (stderr), collect and decrypt their outputs here; exit 1 unless every segment succeeded')
    .option('--timeout <seconds>', `with --wait, stop following after this long (default ${PIPELINE_WAIT_TIMEOUT_S})`, parseWaitTimeout)
    .action((flags: PipelineRunFlags) => runPipeline(flags))

  withCommon(pipeline.command('collect'))
    .description('collect a --privacy key pipeline submitted without --wait: follow its segments (stderr), open and decode their outputs here; safe to run again')
    .argument('<id>', 'the pipeline id (`w3ai pipeline ls`)')
    .option('--timeout <seconds>', `stop following after this long (default ${PIPELINE_WAIT_TIMEOUT_S})`, parseWaitTimeout)
    .action((id: string, flags: PipelineCollectFlags) => collectPipeline(checkPipelineId(id), flags))

  withCommon(pipeline.command('show'))
    .description("a pipeline: its status and each segment's stages (encrypt, segment, allocate, compute, collect), node and job")
    .argument('<id>', 'the pipeline id (`w3ai pipeline ls`)')
    .action(async (id: string, flags: CommonFlags) => {
      checkPipelineId(id)
      const found = await (await pipelinesClient(flags)).get(id)
      createOut(flags.json === true).result(found, () => describePipeline(found))
    })

  withListOptions(withCommon(pipeline.command('ls')))
    .description('your pipelines, newest first: the first 100, --limit N or --all (--json prints an array)')
    .action(async (flags: CommonFlags & ListFlags) => {
      const listed = await listWith(flags, await pipelinesClient(flags))
      const items = listed.items
      createOut(flags.json === true).result(items, () => (items.length === 0 ? 'no pipelines' : table(PIPELINE_COLUMNS, items.map(pipelineRow))))
      moreNote(listed, 'pipelines', 'w3ai pipeline ls')
    })
}
