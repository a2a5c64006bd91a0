/**
 * `w3ai model serve|deployments|infer|stop`: deployments keep a stored ONNX model loaded on a few
 * nodes, and inference requests go through the hub to a warm session (batched with others on the
 * node) instead of queueing a job each. The model key is re-wrapped on this machine to the serving
 * nodes the hub chose, and to no one else.
 */
import type { Command } from 'commander'
import { DeploymentsClient } from '@w3ai/sdk'
import { MAX_INFER_BODY_BYTES, W3aiError, type Deployment } from '@w3ai/protocol'
import { checkCid, checkDeploymentId, parseMaxBatch, parseReplicas, parseWaitTimeout } from '../args.js'
import { DEFAULT_WAIT_TIMEOUT_S } from '../constants.js'
import { accountIdentityOf, hubClientOf, unreachableNote, type CommonFlags } from '../context.js'
import { createOut, table } from '../output.js'
import { withCommon } from './common.js'
import { printQuote, QUOTE_FLAG } from './quote.js'
import { checkTensors, readJsonFile } from './job-inputs.js'
import { listWith, moreNote, withListOptions, type ListFlags } from './paging.js'
import { parseIdempotencyKey, parseOrderFlag } from './market-args.js'

async function deploymentsClient(flags: CommonFlags): Promise<DeploymentsClient> {
  const identity = await accountIdentityOf(flags)
  return new DeploymentsClient(await hubClientOf(flags, identity, { timeoutMs: 120_000 }), identity)
}

const readyCount = (d: Deployment): string => `${d.replicas.filter((r) => r.state === 'ready' && r.nodeStatus === 'online').length}/${d.replicas.length}`

function describe(d: Deployment): string {
  const lines = [
    `deployment ${d.id}  ${d.status}`,
    `model       ${d.model}`,
    `replicas    ${readyCount(d)} serving (max batch ${d.maxBatch})`,
    ...d.replicas.map((r) => `  ${r.nodeId}  ${r.state}  node ${r.nodeStatus}${r.error === null ? '' : `  ${r.error.code}: ${r.error.message}`}`),
    `requests    ${d.stats.requests} (${d.stats.failures} failed)`,
  ]
  if (d.io !== null) lines.push(`inputs      ${d.io.inputs.map((i) => `${i.name} ${i.type}[${i.shape.join(',')}]`).join(', ')}`, `outputs     ${d.io.outputs.map((o) => `${o.name} ${o.type}[${o.shape.join(',')}]`).join(', ')}`)
  return lines.join('\n')
}

export function registerServingCommands(model: Command): void {
  withCommon(model.command('serve'))
    .description('deploy a stored ONNX model on serving nodes for low-latency inference through the hub (--json: the deployment)')
    .argument('<cid>', 'the model (from `w3ai model add`)')
    .option('--replicas <n>', 'nodes that keep the model loaded, 1..8 (default 1)', parseReplicas)
    .option('--max-batch <n>', 'most rows a node runs in one batched call, 1..4096 (default 256)', parseMaxBatch)
    .option('--wait', 'wait until every replica serves; exit 1 if the model cannot be loaded')
    .option('--timeout <seconds>', `with --wait, stop waiting after this long (default ${DEFAULT_WAIT_TIMEOUT_S})`, parseWaitTimeout)
    .option(...QUOTE_FLAG)
    .action(async (cid: string, flags: CommonFlags & { replicas?: number; maxBatch?: number; wait?: boolean; timeout?: number; quote?: boolean }) => {
      const out = createOut(flags.json === true)
      checkCid(cid)
      if (flags.quote === true) return printQuote(flags, { kind: 'deployment', calls: 1 })
      const client = await deploymentsClient(flags)
      let d = await client.create({ model: cid, ...(flags.replicas === undefined ? {} : { replicas: flags.replicas }), ...(flags.maxBatch === undefined ? {} : { maxBatch: flags.maxBatch }) })
      if (flags.wait === true) {
        d = await client.waitReady(d.id, {
          timeoutMs: (flags.timeout ?? DEFAULT_WAIT_TIMEOUT_S) * 1000,
          follow: { onUnreachable: unreachableNote(flags) },
          onUpdate: (u) => {
            if (!out.json) process.stderr.write(`${u.id}: ${u.status} (${readyCount(u)} replicas serving)\n`)
          },
        })
      }
      out.result(d, () => describe(d))
    })

  withListOptions(withCommon(model.command('deployments')))
    .description('your deployments, newest first: the first 100, --limit N or --all (--json: the list)')
    .action(async (flags: CommonFlags & ListFlags) => {
      const out = createOut(flags.json === true)
      const listed = await listWith(flags, await deploymentsClient(flags))
      const list = listed.items
      out.result(list, () => (list.length === 0 ? 'no deployments' : table(['ID', 'STATUS', 'SERVING', 'REQUESTS', 'MODEL'], list.map((d) => [d.id, d.status, readyCount(d), String(d.stats.requests), d.model]))))
      moreNote(listed, 'deployments', 'w3ai model deployments')
    })

  withCommon(model.command('status'))
    .description('one deployment: status, replicas, model inputs and outputs, request counts')
    .argument('<deployment>', 'a deployment id (d_…)')
    .action(async (id: string, flags: CommonFlags) => {
      const out = createOut(flags.json === true)
      const d = await (await deploymentsClient(flags)).get(checkDeploymentId(id))
      out.result(d, () => describe(d))
    })

  withCommon(model.command('infer'))
    .description('run inference on a deployment, through the hub or (--direct) straight to a serving node; --input is a JSON file { "<input>": { "type", "dims", "data" } } (--json: outputs in the same form)')
    .argument('<deployment>', 'a deployment id (d_…)')
    .requiredOption('--input <file>', 'the input tensors as JSON')
    .option('--order <order>', "a per-call purchase of yours (`w3ai market buy --calls N`): calls the seller's deployment of the model you bought, one call of the allowance", parseOrderFlag)
    .option('--idempotency-key <key>', 'with --order, names this call: sent again under the same key it counts once (default: a fresh key)', parseIdempotencyKey)
    .option('--direct', 'call the serving node directly with a ticket from the hub (lowest latency; your own deployments only, not with --order)')
    .action(async (id: string, flags: CommonFlags & { input: string; order?: string; idempotencyKey?: string; direct?: boolean }) => {
      const out = createOut(flags.json === true)
      checkDeploymentId(id)
      const inputs = checkTensors(await readJsonFile(flags.input, '--input'), flags.input)
      if (JSON.stringify(inputs).length > MAX_INFER_BODY_BYTES) throw new W3aiError('CLI_BAD_ARGUMENT', `--input: ${flags.input} is larger than the ${MAX_INFER_BODY_BYTES / 1024 / 1024} MiB an inference request may carry.`)
      if (flags.idempotencyKey !== undefined && flags.order === undefined) throw new W3aiError('CLI_BAD_ARGUMENT', '--idempotency-key names a paid call: use it with --order.')
      const answer = await (await deploymentsClient(flags)).infer(id, inputs, {
        ...(flags.order === undefined ? {} : { order: flags.order }),
        ...(flags.idempotencyKey === undefined ? {} : { idempotencyKey: flags.idempotencyKey }),
        ...(flags.direct === true ? { direct: true } : {}),
      })
      out.result(answer, () =>
        [
          ...Object.entries(answer.outputs).map(([name, t]) => `${name} ${t.type}[${t.dims.join(',')}] ${JSON.stringify(t.data.slice(0, 12))}${t.data.length > 12 ? ` … (${t.data.length} values)` : ''}`),
          `served by ${answer.nodeId} in ${answer.runMs.toFixed(1)} ms`,
        ].join('\n'),
      )
    })

  withCommon(model.command('heal'))
    .description('replace the replicas of a deployment whose nodes went offline or could not load it (the model key is wrapped to new nodes)')
    .argument('<deployment>', 'a deployment id (d_…)')
    .option('--wait', 'wait until every replica serves again')
    .option('--timeout <seconds>', `with --wait, stop waiting after this long (default ${DEFAULT_WAIT_TIMEOUT_S})`, parseWaitTimeout)
    .action(async (id: string, flags: CommonFlags & { wait?: boolean; timeout?: number }) => {
      const out = createOut(flags.json === true)
      const client = await deploymentsClient(flags)
      let d = await client.heal(checkDeploymentId(id))
      if (flags.wait === true) d = await client.waitReady(d.id, { timeoutMs: (flags.timeout ?? DEFAULT_WAIT_TIMEOUT_S) * 1000, follow: { onUnreachable: unreachableNote(flags) } })
      out.result(d, () => describe(d))
    })

  withCommon(model.command('stop'))
    .description('stop a deployment; its nodes unload the model')
    .argument('<deployment>', 'a deployment id (d_…)')
    .action(async (id: string, flags: CommonFlags) => {
      const out = createOut(flags.json === true)
      const d = await (await deploymentsClient(flags)).stop(checkDeploymentId(id))
      out.result(d, () => `stopped ${d.id}`)
    })
}
