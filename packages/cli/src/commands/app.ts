/**
 * `w3ai app run LISTING --param k=v …`: launches an app listing's runnable template on your own
 * data. The template and its typed params are public on the listing's card; @w3ai/market binds
 * the params (MARKET_INVALID_PARAM on an unknown, missing or ill-typed one) before anything is
 * read, stored or submitted. What runs, by the template's runnable:
 *
 * - builtin (the recommender shipped in @w3ai/market): runs here, on your machine. Its `history`
 *   param names your purchase history in W3S (a CSV with user and item columns; downloaded and
 *   decrypted here), else a seeded shop is generated. It trains, reports recall@k against the
 *   popularity baseline on each customer's held-out last purchase, stores the ONNX model in W3S
 *   under your account (unless --no-store) and with --serve deploys it for per-call inference.
 * - job: a compute job on the template's executor. Params of type cid become the job's inputs
 *   (by param name), the others join the runnable's fixed spec (for train, the layer spec).
 * - pipeline and federated templates are not launched by this command yet (CLI_BAD_ARGUMENT).
 */
import type { Command } from 'commander'
import { bindParams, parseParamArgs, purchasesFromCsv, runRecommenderApp, validateTemplate, type AppTemplate, type BoundParams, type PurchaseHistory, type RecommenderReport, type Runnable } from '@w3ai/market'
import { W3aiError, type Deployment, type Job, type JobSubmit, type Listing } from '@w3ai/protocol'
import { DeploymentsClient, JobsClient, MarketClient, putBytes, StorageClient, type HubClient } from '@w3ai/sdk'
import type { Identity } from '@w3ai/crypto'
import { parseReplicas, parseWaitTimeout } from '../args.js'
import { DEFAULT_WAIT_TIMEOUT_S, EXIT_FAILURE, JOB_POLL_MS } from '../constants.js'
import { accountIdentityOf, hubClientOf, unreachableNote, type CommonFlags } from '../context.js'
import { jobReporter } from '../job-progress.js'
import { createOut, formatBytes, ReportedFailure, type Out } from '../output.js'
import { transferReporter } from '../transfer-progress.js'
import { withCommon } from './common.js'
import { describeJob, jobError } from './job-views.js'
import { checkListingId, collectParam } from './market-args.js'

export interface AppRunFlags extends CommonFlags {
  param: string[]
  store: boolean
  serve?: boolean
  replicas?: number
  wait?: boolean
  timeout?: number
}

/** The app's template, from its listing's card (checked with @w3ai/market's rules). */
export function templateOf(listing: Listing): AppTemplate {
  if (listing.kind !== 'app') throw new W3aiError('CLI_BAD_ARGUMENT', `${listing.id} is a ${listing.kind} listing, not an app; \`w3ai app run\` launches app listings (search them with \`w3ai market search --kind app\`).`)
  if (listing.card.kind !== 'app') throw new W3aiError('MARKET_INVALID_CARD', `${listing.id} has no app card with a template to run.`, { field: 'card.template' })
  return validateTemplate(listing.card.template, 'card.template')
}

/** What a `job` runnable submits: cid params as inputs by name, the rest joined to the fixed spec. */
export function jobBody(runnable: Extract<Runnable, { kind: 'job' }>, params: BoundParams, template: AppTemplate): JobSubmit {
  const inputs: Record<string, string> = {}
  const values: Record<string, unknown> = {}
  for (const p of template.params) {
    const value = params[p.name]
    if (value === undefined) continue
    if (p.type === 'cid') inputs[p.name] = String(value)
    else values[p.name] = value
  }
  const joined = { ...(runnable.spec ?? {}), ...values }
  const params_ = runnable.executor === 'train' ? { spec: joined } : Object.keys(joined).length === 0 ? undefined : joined
  return { executor: runnable.executor, inputs, ...(params_ === undefined ? {} : { params: params_ }) }
}

interface Session {
  hub: HubClient
  identity: Identity
}

/** The account's hub client, made once and only when the run needs one. */
function sessionOf(flags: CommonFlags): () => Promise<Session> {
  let session: Promise<Session> | undefined
  return () =>
    (session ??= (async () => {
      const identity = await accountIdentityOf(flags)
      return { identity, hub: await hubClientOf(flags, identity, { timeoutMs: 120_000 }) }
    })())
}

async function readHistory(session: Session, cid: string, out: Out): Promise<PurchaseHistory> {
  const parts: Buffer[] = []
  const reporter = transferReporter({ quiet: out.json })
  try {
    await new StorageClient(session.hub, session.identity).get(cid, (chunk) => void parts.push(Buffer.from(chunk)), { onProgress: reporter.onProgress })
  } finally {
    reporter.done()
  }
  const bytes = Buffer.concat(parts)
  out.note(`read the purchase history ${cid} (${formatBytes(bytes.length)})`)
  return purchasesFromCsv(bytes.toString('utf8'))
}

/** What a builtin (recommender) run made: its evaluation, and the model stored and served. */
export interface BuiltinResult {
  report: RecommenderReport
  metrics: Array<{ name: string; value: number; dataset: string }>
  /** The stored ONNX model's CID (null with --no-store). */
  model: string | null
  deployment: Deployment | null
}

async function runBuiltin(listing: Listing, params: BoundParams, flags: AppRunFlags, out: Out, session: () => Promise<Session>): Promise<BuiltinResult> {
  const history = typeof params.history === 'string' ? await readHistory(await session(), params.history, out) : undefined
  out.note(`training the recommender on ${history === undefined ? 'a generated shop' : `${history.users} customers, ${history.items} items, ${history.purchases.length} purchases`}…`)
  const trained = runRecommenderApp(params, history)
  const r = trained.report
  out.note(`recall@${r.k} ${r.recall.toFixed(4)} vs popularity baseline ${r.baselineRecall.toFixed(4)} (${Number.isFinite(r.lift) ? `${r.lift.toFixed(2)}x` : 'baseline 0'}) on ${r.heldOut} held-out purchases`)
  let model: string | null = null
  let deployment: Deployment | null = null
  if (flags.store) {
    const s = await session()
    model = await putBytes(new StorageClient(s.hub, s.identity), trained.onnx, { name: `recommender-${listing.id}.onnx` })
    out.note(`stored the model (input purchases float32[batch, ${r.items}], output scores) as ${model}`)
    if (flags.serve === true) {
      const deployments = new DeploymentsClient(s.hub, s.identity)
      deployment = await deployments.create({ model, ...(flags.replicas === undefined ? {} : { replicas: flags.replicas }) })
      out.note(`deploying ${deployment.id} for per-call inference…`)
      if (flags.wait === true) {
        deployment = await deployments.waitReady(deployment.id, {
          timeoutMs: (flags.timeout ?? DEFAULT_WAIT_TIMEOUT_S) * 1000,
          follow: { onUnreachable: unreachableNote(flags) },
          onUpdate: (d) => out.note(`${d.id}: ${d.status}`),
        })
      }
    }
  }
  return { report: r, metrics: trained.card.metrics ?? [], model, deployment }
}

async function runJob(runnable: Extract<Runnable, { kind: 'job' }>, params: BoundParams, template: AppTemplate, flags: AppRunFlags, out: Out, session: () => Promise<Session>): Promise<{ job: Job; failed: boolean }> {
  const s = await session()
  const jobs = new JobsClient(s.hub, s.identity)
  const submitted = await jobs.submit(jobBody(runnable, params, template))
  out.note(`submitted job ${submitted.id} (${runnable.executor})`)
  if (flags.wait !== true) return { job: submitted, failed: false }
  const reporter = jobReporter({ quiet: out.json })
  let job: Job
  try {
    job = await jobs.wait(submitted.id, { intervalMs: JOB_POLL_MS, timeoutMs: (flags.timeout ?? DEFAULT_WAIT_TIMEOUT_S) * 1000, onUpdate: reporter.onUpdate, follow: { onUnreachable: unreachableNote(flags) } })
  } finally {
    reporter.done()
  }
  return { job, failed: job.status !== 'succeeded' }
}

async function appRun(id: string, flags: AppRunFlags): Promise<void> {
  const out = createOut(flags.json === true)
  if (flags.serve === true && !flags.store) throw new W3aiError('CLI_BAD_ARGUMENT', '--serve deploys the stored model; it cannot go with --no-store.')
  const raw = parseParamArgs(flags.param)
  const session = sessionOf(flags)
  const listing = await new MarketClient(await hubClientOf(flags)).get(id)
  const template = templateOf(listing)
  const params = bindParams(template, raw)
  const { runnable } = template
  const base = { listingId: listing.id, runnable, params }
  out.note(`running ${listing.title} (${listing.id}): ${runnable.kind}${runnable.kind === 'builtin' ? ` ${runnable.name}` : runnable.kind === 'job' ? ` ${runnable.executor}` : ''} with ${Object.entries(params).map(([k, v]) => `${k}=${String(v)}`).join(' ') || 'no params'}`)
  if (runnable.kind === 'builtin') {
    const result = { ...base, ...(await runBuiltin(listing, params, flags, out, session)) }
    out.result(result, () => describeBuiltin(result))
    return
  }
  if (runnable.kind === 'job') {
    const { job, failed } = await runJob(runnable, params, template, flags, out, session)
    const error = failed ? (jobError(job) ?? { code: 'JOB_INVALID_STATE', message: `Job ${job.id} was ${job.status} before it finished.` }) : undefined
    out.result({ ...base, job, ...(error === undefined ? {} : { error }) }, () => describeJob(job))
    if (error !== undefined) {
      if (!out.json) process.stderr.write(`error ${error.code}: ${error.message}\n`)
      throw new ReportedFailure(EXIT_FAILURE)
    }
    return
  }
  throw new W3aiError('CLI_BAD_ARGUMENT', `${listing.id} is a ${runnable.kind} app; \`w3ai app run\` launches builtin and job templates so far (run a ${runnable.kind} with \`w3ai ${runnable.kind === 'federated' ? 'fl run' : 'pipeline run'}\`).`)
}

function describeBuiltin(r: BuiltinResult & { listingId: string }): string {
  const report = r.report
  const lines = [
    `app ${r.listingId}: trained on ${report.data}`,
    `recall@${report.k}   ${report.recall.toFixed(4)}  (popularity baseline ${report.baselineRecall.toFixed(4)}, ${Number.isFinite(report.lift) ? `${report.lift.toFixed(2)}x` : '-'}; ${report.heldOut} held-out purchases)`,
    `model       ${r.model ?? 'not stored (--no-store)'}`,
  ]
  if (r.deployment !== null) lines.push(`deployment  ${r.deployment.id} ${r.deployment.status}: \`w3ai model infer ${r.deployment.id} --input purchases.json\``)
  else if (r.model !== null) lines.push(`serve it    w3ai model serve ${r.model}   (or sell calls: w3ai market publish --kind model --access per-call --cid ${r.model} …)`)
  return lines.join('\n')
}

export function registerAppCommands(program: Command): void {
  const app = program.command('app').description('apps from the marketplace: runnable templates you launch on your own data')

  withCommon(app.command('run'))
    .description("launch an app listing's template with typed params (see them with `w3ai market show LISTING`); builtin apps run here, job apps on the network (--json: the params and what ran)")
    .argument('<listing>', 'the app listing id (l_…)', checkListingId)
    .option('--param <name=value>', 'a param of the template, repeatable', collectParam, [])
    .option('--no-store', 'builtin apps: keep the trained model here, do not store it in W3S')
    .option('--serve', 'builtin apps: deploy the stored model for per-call inference')
    .option('--replicas <n>', 'with --serve, nodes that keep the model loaded, 1..8 (default 1)', parseReplicas)
    .option('--wait', 'follow the job (or, with --serve, the deployment) until it ends (or serves)')
    .option('--timeout <seconds>', `with --wait, stop following after this long (default ${DEFAULT_WAIT_TIMEOUT_S})`, parseWaitTimeout)
    .action((id: string, flags: AppRunFlags) => appRun(id, flags))
}
