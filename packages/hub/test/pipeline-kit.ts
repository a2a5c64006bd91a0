/**
 * Test kit for the pipeline domain: a storage network (hub and real node agents) whose nodes'
 * task side the test plays through the node-side client, accounts with stored objects, and signed
 * requests that may carry an Idempotency-Key header.
 */
import { randomBytes } from 'node:crypto'
import { generateIdentity, readIdentity, signRequest, type Identity } from '@w3ai/crypto'
import type { ClaimedTask, EventStreamMessage, JobCandidates, Pipeline } from '@w3ai/protocol'
import { HubClient, provideInputKeys, TaskClient, type StorageClient } from '@w3ai/sdk'
import type { HTTPMethods } from 'fastify'
import { until, type Backend } from './helpers.js'
import { chunks, startStorageNet, type StorageNet } from './storage-net.js'

export interface Account {
  identity: Identity
  hub: HubClient
  storage: StorageClient
}

export interface Answer<T = unknown> {
  status: number
  body: T
  /** The error code of a refusal ('' for a success). */
  code: string
}

export interface PipelineNet {
  net: StorageNet
  nodes: Array<{ id: string; tasks: TaskClient }>
  account(name: string): Promise<Account>
  /** Stores random bytes (or `bytes`) as the account's object; its CID. */
  store(who: Account, bytes?: Uint8Array): Promise<string>
  /** A request signed by `who` (unsigned when undefined), through inject. */
  call<T = unknown>(who: Account | undefined, method: HTTPMethods, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer<T>>
  /** Every node's claim of onnx tasks (but `except`'s), with the node that got each. */
  claimAll(except?: string): Promise<Array<{ node: { id: string; tasks: TaskClient }; task: ClaimedTask }>>
  close(): Promise<void>
}

export async function startPipelineNet(backend: Backend, nodes = 3): Promise<PipelineNet> {
  const net = await startStorageNet(backend, nodes, { compute: { spotCheckRate: 0, leaseMs: 600 } })
  const hub = new HubClient({ url: net.t.hub.url })
  const players = await Promise.all(
    net.homes.map(async (home) => {
      const identity = (await readIdentity(home)) as Identity
      return { id: identity.id, tasks: new TaskClient(hub, identity) }
    }),
  )
  return {
    net,
    nodes: players,
    account: (name) => net.account(name),
    async store(who, bytes = randomBytes(512)) {
      return (await who.storage.put(chunks(bytes), bytes.length, { redundancy: { k: 2, n: 3, repairThreshold: 3 } })).cid
    },
    async call<T>(who: Account | undefined, method: HTTPMethods, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
      const text = body === undefined ? undefined : JSON.stringify(body)
      const res = await net.t.hub.app.inject({
        method,
        url: path,
        headers: { ...(text === undefined ? {} : { 'content-type': 'application/json' }), ...(who === undefined ? {} : signRequest(who.identity, method, path, text)), ...headers },
        ...(text === undefined ? {} : { payload: text }),
      })
      const parsed = res.body === '' ? null : (JSON.parse(res.body) as T & { error?: { code: string } })
      return { status: res.statusCode, body: parsed as T, code: res.statusCode >= 400 ? ((parsed as { error?: { code: string } } | null)?.error?.code ?? '') : '' }
    },
    async claimAll(except) {
      const out = []
      for (const node of players.filter((n) => n.id !== except)) for (const task of await node.tasks.claim(['onnx'], 4)) out.push({ node, task })
      return out
    },
    close: () => net.close(),
  }
}

/** A fresh account without an encryption key (results cannot be sealed to it). */
export async function keylessAccount(p: PipelineNet): Promise<Account> {
  const identity = generateIdentity('account')
  const hub = new HubClient({ url: p.net.t.hub.url, identity })
  await hub.createAccount({ name: 'keyless' })
  return { identity, hub, storage: undefined as never }
}

/** Wraps the segment job's input keys to its candidates, as the owner's client does. */
export async function releaseJob(who: Account, job: JobCandidates): Promise<void> {
  await provideInputKeys(who.hub, who.identity, job)
}

/** Claims until some node has the task of `jobId` (upkeep frees assignments and expired leases on its own time). */
export async function claimJob(p: PipelineNet, jobId: string, except?: string): Promise<{ node: { id: string; tasks: TaskClient }; task: ClaimedTask }> {
  let found: Awaited<ReturnType<PipelineNet['claimAll']>>[number] | undefined
  await until(async () => {
    found = (await p.claimAll(except)).find((c) => c.task.jobId === jobId)
    return found !== undefined
  }, 15_000)
  return found!
}

/** The account's signed event stream of pipeline.updated, once the hub has subscribed it. */
export async function pipelineEvents(hub: HubClient): Promise<{ ids: string[]; close: () => void }> {
  const ids: string[] = []
  let subscribed = false
  const close = hub.events((m: EventStreamMessage) => {
    if (m.type === 'hello') subscribed = true
    else if (m.type === 'pipeline.updated') ids.push(m.pipelineId)
  })
  await until(async () => subscribed)
  return { ids, close }
}

/** The stage of each segment, in order. */
export const stagesOf = (p: Pipeline): string[] => p.segments.map((s) => s.stage)
