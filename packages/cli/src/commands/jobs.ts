/**
 * `w3ai job run onnx|train|wasm`, `job status|logs|cancel|ls`: compute jobs of the account in
 * <home>/identity.json. Inputs are W3S objects; their keys are re-wrapped on this machine to the
 * nodes the hub chose, and to no one else. Everything local (CIDs, flags, tensor and spec files)
 * is checked before the first request, so a mistake never leaves a job behind.
 */
import type { Command } from 'commander'
import { JobsClient, openJobResult, StorageClient } from '@w3ai/sdk'
import { STORAGE_DEFAULTS, type Job, type JobSubmit } from '@w3ai/protocol'
import { checkCid, checkJobId, parseMaxAttempts, parsePriority, parseRedundancy, parseTolerance, parseVerify, parseWaitTimeout } from '../args.js'
import { DEFAULT_WAIT_TIMEOUT_S, EXIT_FAILURE, JOB_POLL_MS } from '../constants.js'
import { accountIdentityOf, hubClientOf, unreachableNote, type CommonFlags } from '../context.js'
import { jobReporter } from '../job-progress.js'
import { createOut, ReportedFailure, table } from '../output.js'
import { withCommon } from './common.js'
import { printQuote, QUOTE_FLAG } from './quote.js'
import { checkInlineSize, onnxInput, readJsonObject } from './job-inputs.js'
import { describeHistory, describeJob, jobError, jobRow, JOB_COLUMNS } from './job-views.js'
import { listWith, moreNote, withListOptions, type ListFlags } from './paging.js'
import { parseOrderFlag } from './market-args.js'
import { redundancyOf } from './storage.js'

interface RunFlags extends CommonFlags {
  verify?: number
  tolerance?: number
  priority?: number
  maxAttempts?: number
  wait?: boolean
  timeout?: number
  quote?: boolean
  order?: string
}

/** The identity first (a missing one is the likelier mistake), then the hub. */
async function jobsClient(flags: CommonFlags): Promise<JobsClient> {
  const identity = await accountIdentityOf(flags)
  return new JobsClient(await hubClientOf(flags, identity), identity)
}

/** The flags every `job run` executor takes. */
function withRunFlags(cmd: Command): Command {
  return withCommon(cmd)
    .option('--verify <n>', 'independent runs on distinct nodes whose results must agree, 1..5 (default 1)', parseVerify)
    .option('--tolerance <x>', 'float results agree when every number differs by at most X, 0..1 (default 0: bitwise)', parseTolerance)
    .option('--priority <p>', 'queue priority, -10..10 (default 0)', parsePriority)
    .option('--max-attempts <n>', 'attempts per replica before the job fails, 1..10 (default 3)', parseMaxAttempts)
    .option('--wait', 'follow the job until it finishes (progress on stderr); exit 1 unless it succeeded')
    .option('--timeout <seconds>', `with --wait, stop following after this long (default ${DEFAULT_WAIT_TIMEOUT_S}); the job goes on`, parseWaitTimeout)
    .option(...QUOTE_FLAG)
    .option('--order <order>', "a compute-only purchase of yours (`w3ai market buy`): the job reads the order's data, whose key the seller's side wraps to the job's nodes only; the result is sealed to you and opened here", parseOrderFlag)
}

function submitBody(executor: JobSubmit['executor'], inputs: Record<string, string>, params: unknown, flags: RunFlags): JobSubmit {
  return {
    executor,
    inputs,
    ...(params === undefined ? {} : { params }),
    ...(flags.verify === undefined ? {} : { verify: flags.verify }),
    ...(flags.tolerance === undefined ? {} : { tolerance: flags.tolerance }),
    ...(flags.priority === undefined ? {} : { priority: flags.priority }),
    ...(flags.maxAttempts === undefined ? {} : { maxAttempts: flags.maxAttempts }),
    ...(flags.order === undefined ? {} : { order: flags.order }),
  }
}

/**
 * Submits, then prints the job as queued, or with --wait follows it and prints it finished. A job
 * that did not succeed exits 1; with --json its `error.code` is the job's (or JOB_INVALID_STATE
 * when it was cancelled), so scripts read failures the same way as any other.
 */
async function submitAndReport(body: JobSubmit, flags: RunFlags, afterSuccess?: (job: Job) => Promise<Record<string, unknown>>): Promise<void> {
  if (flags.quote === true) {
    const { executor, params, verify, sealTo } = body
    return printQuote(flags, { kind: 'job', executor, ...(params === undefined ? {} : { params }), ...(verify === undefined ? {} : { verify }), sealed: sealTo !== undefined || body.order !== undefined })
  }
  const out = createOut(flags.json === true)
  const identity = await accountIdentityOf(flags)
  const client = new JobsClient(await hubClientOf(flags, identity), identity)
  const submitted = await client.submit(body)
  if (flags.wait !== true) {
    const keyNote = body.order !== undefined && submitted.status === 'awaiting-keys' ? `\nwaiting for the seller's side to wrap the data key to its nodes (\`w3ai market fulfil\` on the seller's machine)` : ''
    out.result(submitted, () => `submitted ${submitted.id} (${submitted.status})${keyNote}\nfollow it with \`w3ai job status ${submitted.id}\` or \`w3ai job logs ${submitted.id}\``)
    return
  }
  if (body.order !== undefined && !out.json) process.stderr.write(`${submitted.id}: on order ${body.order}; the seller's side wraps the data key to the job's nodes, your result comes back sealed to you\n`)
  const reporter = jobReporter({ quiet: out.json })
  let job: Job
  try {
    job = await client.wait(submitted.id, {
      intervalMs: JOB_POLL_MS,
      timeoutMs: (flags.timeout ?? DEFAULT_WAIT_TIMEOUT_S) * 1000,
      onUpdate: reporter.onUpdate,
      follow: { onUnreachable: unreachableNote(flags) },
    })
  } finally {
    reporter.done()
  }
  if (job.status === 'succeeded') {
    // A compute-only purchase's result is sealed to you: opened here, it never was readable at the hub.
    if (body.order !== undefined) job = { ...job, result: openJobResult(job, identity) as Job['result'] }
    const extra = afterSuccess === undefined ? {} : await afterSuccess(job)
    out.result({ ...job, ...extra }, () => [describeJob(job), ...Object.values(extra).map(describeExtra)].join('\n'))
    return
  }
  const error = jobError(job) ?? { code: 'JOB_INVALID_STATE', message: `Job ${job.id} was ${job.status} before it finished.` }
  out.result({ ...job, error }, () => describeJob(job))
  if (!out.json) process.stderr.write(`error ${error.code}: ${error.message}\n`)
  throw new ReportedFailure(EXIT_FAILURE)
}

/** What `afterSuccess` added, for people: the stored model's CIDs. */
function describeExtra(value: unknown): string {
  const model = value as { onnx?: string; tfjs?: string }
  return model.onnx === undefined ? '' : `stored model: ONNX ${model.onnx} (serve it: \`w3ai model serve ${model.onnx}\`), TF.js ${model.tfjs ?? '-'}`
}

function registerRunCommands(job: Command): void {
  const run = job.command('run').description('submit a job to one of the executors: onnx, train or wasm')

  withRunFlags(run.command('onnx'))
    .description('run an ONNX model (from `w3ai model add`) on tensors given inline (a JSON file) or stored in W3S')
    .requiredOption('--model <cid>', 'the model object (`w3ai model add`)')
    .option('--input <file|cid>', 'a JSON file {"name": {"type": "float32", "dims": [...], "data": [...]}} or the CID of one stored in W3S')
    .action(async (flags: RunFlags & { model: string; input?: string }) => {
      const inputs: Record<string, string> = { model: checkCid(flags.model) }
      let params: unknown
      if (flags.input !== undefined) {
        const input = await onnxInput(flags.input)
        if ('cid' in input) inputs.input = input.cid
        else params = { tensors: input.tensors }
      }
      checkInlineSize(params ?? null)
      await submitAndReport(submitBody('onnx', inputs, params, flags), flags)
    })

  withRunFlags(run.command('train'))
    .description('train the model a JSON layer spec describes on a dataset stored in W3S; with --wait the trained model (ONNX and TF.js) is stored in W3S under your account')
    .requiredOption('--spec <file>', 'the training spec: a JSON object (layers, loss, epochs, …)')
    .requiredOption('--dataset <cid>', 'the dataset object')
    .option('--no-store', 'with --wait, do not store the trained model in W3S (it stays in the job result)')
    .option('--redundancy <k/n>', `redundancy of the stored model (default: the hub fits it to the online nodes, ${STORAGE_DEFAULTS.k}/${STORAGE_DEFAULTS.n} with ${STORAGE_DEFAULTS.n} or more)`, parseRedundancy)
    .action(async (flags: RunFlags & { spec: string; dataset: string; store: boolean; redundancy?: { k: number; n: number } }) => {
      const dataset = checkCid(flags.dataset)
      const spec = await readJsonObject(flags.spec, '--spec')
      checkInlineSize({ spec })
      const redundancy = redundancyOf(flags)
      const store = async (job: Job): Promise<Record<string, unknown>> => {
        const identity = await accountIdentityOf(flags)
        const hub = await hubClientOf(flags, identity)
        const stored = await new JobsClient(hub, identity).storeTrainedModel(job, new StorageClient(hub, identity), redundancy === undefined ? {} : { redundancy })
        return { model: stored }
      }
      await submitAndReport(submitBody('train', { dataset }, { spec }, flags), flags, flags.wait === true && flags.store ? store : undefined)
    })

  withRunFlags(run.command('wasm'))
    .description('run a WebAssembly module stored in W3S on an input stored in W3S')
    .requiredOption('--module <cid>', 'the WebAssembly module object')
    .requiredOption('--input <cid>', 'the input object')
    .action(async (flags: RunFlags & { module: string; input: string }) => {
      const inputs = { module: checkCid(flags.module), input: checkCid(flags.input) }
      await submitAndReport(submitBody('wasm', inputs, undefined, flags), flags)
    })
}

export function registerJobCommands(program: Command): void {
  const job = program.command('job').description('compute jobs: run models, training and WebAssembly on the network')
  registerRunCommands(job)

  withCommon(job.command('status'))
    .description('a job: its status, replicas, verification and a summary of its result (--json: the whole job)')
    .argument('<id>', 'the job id (`w3ai job ls`)')
    .action(async (id: string, flags: CommonFlags) => {
      checkJobId(id)
      const found = await (await jobsClient(flags)).get(id)
      createOut(flags.json === true).result(found, () => describeJob(found))
    })

  withCommon(job.command('logs'))
    .description("a job's history: leases, retries, expirations, results (--json prints an array)")
    .argument('<id>', 'the job id')
    .action(async (id: string, flags: CommonFlags) => {
      checkJobId(id)
      const { history } = await (await jobsClient(flags)).get(id)
      createOut(flags.json === true).result(history, () => describeHistory(history))
    })

  withCommon(job.command('cancel'))
    .description('cancel a job that has not finished; its running tasks are dropped')
    .argument('<id>', 'the job id')
    .action(async (id: string, flags: CommonFlags) => {
      checkJobId(id)
      const cancelled = await (await jobsClient(flags)).cancel(id)
      createOut(flags.json === true).result(cancelled, () => `cancelled ${cancelled.id}`)
    })

  withListOptions(withCommon(job.command('ls')))
    .description('your jobs, newest first: the first 100, --limit N or --all (--json prints an array)')
    .action(async (flags: CommonFlags & ListFlags) => {
      const listed = await listWith(flags, await jobsClient(flags))
      const jobs = listed.items
      createOut(flags.json === true).result(jobs, () => (jobs.length === 0 ? 'no jobs' : table(JOB_COLUMNS, jobs.map(jobRow))))
      moreNote(listed, 'jobs', 'w3ai job ls')
    })
}
