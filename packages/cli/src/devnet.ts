/**
 * The devnet testing kit: a real hub process and N real node processes under one home, as
 * `w3ai up` runs them, for end-to-end tests of any package.
 *
 * ```ts
 * const devnet = await startDevnet({ home: tmp, nodes: 3, hubPort: 0 })
 * devnet.nodes[0]!.kill('SIGKILL')
 * await devnet.waitForStatus(devnet.nodes[0]!.id, 'offline', 10_000)
 * await devnet.stop()
 * ```
 */
import { chmod, mkdir } from 'node:fs/promises'
import { availableParallelism, totalmem } from 'node:os'
import { join } from 'node:path'
import { HubClient } from '@w3ai/sdk'
import { W3aiError, type NodeInfo, type NodeStatus } from '@w3ai/protocol'
import { cityFor } from './cities.js'
import { DEFAULT_NODES, LOGS_DIR, MAX_NODES, ONLINE_TIMEOUT_MS, POLL_MS } from './constants.js'
import { assertNoRunningDevnet, readDevnetFile, removeDevnetFile, writeDevnetFile, type DevnetFile } from './devnet-file.js'
import { startHubProcess, startNodeProcess, type HubProcess, type NodeProcess, type NodeProcessOptions } from './processes.js'

export type DevnetProgress =
  | { phase: 'hub'; url: string }
  | { phase: 'node'; index: number; id: string }
  | { phase: 'online'; online: number; total: number }

export interface DevnetOptions {
  /** Devnet home: hub data, `nodes/<i>` node homes, `logs/`, `devnet.json`. */
  home: string
  /** Node processes to start (default 5). */
  nodes?: number
  /** Hub port (default 0: a free one). `w3ai up` passes 7420. */
  hubPort?: number
  /** Use this PostgreSQL instead of embedded PGlite. */
  databaseUrl?: string
  /** Children outlive this process (default false). */
  detached?: boolean
  /** Extra environment for every child. */
  env?: NodeJS.ProcessEnv
  /** pino level for the children (default: W3AI_LOG_LEVEL, else info). */
  logLevel?: string
  /** How long to wait for every node to be online (default 60 s). */
  onlineTimeoutMs?: number
  onProgress?: (event: DevnetProgress) => void
}

export interface Devnet {
  readonly hubUrl: string
  readonly home: string
  readonly hub: HubProcess
  readonly nodes: NodeProcess[]
  /** A client for the hub, unsigned. */
  readonly client: HubClient
  /** Polls the hub until the node has `status`; rejects after `timeoutMs` (default 10 s). */
  waitForStatus(nodeId: string, status: NodeStatus, timeoutMs?: number): Promise<NodeInfo>
  /** The content of `<home>/devnet.json`. */
  toJSON(): DevnetFile
  /** Stops nodes, then the hub, and removes devnet.json. Idempotent. */
  stop(): Promise<void>
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function startDevnet(options: DevnetOptions): Promise<Devnet> {
  const count = options.nodes ?? DEFAULT_NODES
  if (!Number.isInteger(count) || count < 0 || count > MAX_NODES) throw new W3aiError('CLI_BAD_ARGUMENT', `nodes must be an integer 0..${MAX_NODES}`)
  const { home } = options
  await assertNoRunningDevnet(home)
  // Hub data, the network key, node homes, logs and devnet.json: the user's alone (issue 8 A2).
  await mkdir(home, { recursive: true, mode: 0o700 })
  if (process.platform !== 'win32') await chmod(home, 0o700)
  const common: Pick<NodeProcessOptions, 'detached' | 'env' | 'logLevel' | 'onRestart'> = {
    detached: options.detached ?? false,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
  }
  const progress = options.onProgress ?? (() => undefined)
  let hub: HubProcess | undefined
  const nodes: NodeProcess[] = []
  let record = async (): Promise<void> => undefined
  // Restarts change pids; devnet.json must keep naming the processes that really run.
  common.onRestart = () => record()
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()))
    await hub?.stop()
  }
  try {
    hub = await startHubProcess({
      home,
      port: options.hubPort ?? 0,
      ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
      ...common,
      // A devnet hands out test tokens (POST /v1/faucet) unless told otherwise; other hubs have no faucet.
      env: { W3AI_FAUCET: 'on', ...options.env },
    })
    progress({ phase: 'hub', url: hub.url })
    const hubUrl = hub.url
    // allSettled: a failed node must not leave its siblings starting unseen while we clean up.
    const results = await Promise.allSettled(
      Array.from({ length: count }, async (_, i) => {
        const node = await startNodeProcess({ ...devnetNodeOptions(home, i, hubUrl, count), ...common })
        nodes[i] = node
        progress({ phase: 'node', index: i, id: node.id })
      }),
    )
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    const client = new HubClient({ url: hubUrl })
    await waitAllOnline(client, nodes.map((n) => n.id), options.onlineTimeoutMs ?? ONLINE_TIMEOUT_MS, progress)
    const started = hub
    const devnet: Devnet = {
      hubUrl,
      home,
      hub: started,
      nodes,
      client,
      waitForStatus: (nodeId, status, timeoutMs = 10_000) => waitForStatus(client, nodeId, status, timeoutMs),
      toJSON: () => ({
        hub: { url: hubUrl, pid: started.pid },
        nodes: nodes.map((n) => ({ id: n.id, pid: n.pid, url: n.url, home: n.home })),
      }),
      stop: once(async () => {
        record = async () => undefined
        await stopAll()
        const recorded = await readDevnetFile(home).catch(() => undefined)
        if (recorded?.hub.url === hubUrl) await removeDevnetFile(home)
      }),
    }
    record = () => writeDevnetFile(home, devnet.toJSON())
    await record()
    return devnet
  } catch (err) {
    await stopAll()
    throw err
  }
}

/** What one of `count` nodes on this machine offers: an equal share of its cores and memory. */
export interface MachineShare {
  cpu: number
  memoryGb: number
}

/**
 * An equal share of this machine's cores and memory for each of `count` devnet nodes, so the
 * network advertises what the machine has, no more (and no GPUs: the executors run on CPUs).
 */
export function machineShare(count: number, machine = { cores: availableParallelism(), memoryBytes: totalmem() }): MachineShare {
  const n = Math.max(1, count)
  const floor2 = (x: number): number => Math.max(0.01, Math.floor(x * 100) / 100)
  return { cpu: floor2(machine.cores / n), memoryGb: floor2(machine.memoryBytes / 1024 ** 3 / n) }
}

/**
 * How node `index` of a devnet of `count` nodes is started: its home, log, city and its share of
 * the machine (disk: the node measures its home's free space). Reuse it to restart one by hand.
 */
export function devnetNodeOptions(devnetHome: string, index: number, hubUrl: string, count: number): NodeProcessOptions {
  const city = cityFor(index)
  const share = machineShare(count)
  return {
    hubUrl,
    home: join(devnetHome, 'nodes', String(index)),
    logFile: join(devnetHome, LOGS_DIR, `node-${index}.log`),
    name: `node-${index}`,
    cpu: share.cpu,
    memoryGb: share.memoryGb,
    location: { lat: city.lat, lon: city.lon },
    region: city.region,
    city: city.city,
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined
  return () => (running ??= fn())
}

async function waitAllOnline(client: HubClient, ids: string[], timeoutMs: number, progress: (e: DevnetProgress) => void): Promise<void> {
  const end = Date.now() + timeoutMs
  let last = -1
  for (;;) {
    const online = await client
      .allNodes({ status: 'online' })
      .then((list) => new Set(list.map((n) => n.id)))
      .catch(() => new Set<string>())
    const count = ids.filter((id) => online.has(id)).length
    if (count !== last) progress({ phase: 'online', online: count, total: ids.length })
    last = count
    if (count === ids.length) return
    if (Date.now() > end) {
      throw new W3aiError('DEVNET_START_FAILED', `Only ${count} of ${ids.length} nodes were online after ${timeoutMs} ms; see the logs under the devnet home.`)
    }
    await sleep(POLL_MS * 2)
  }
}

/** Polls one node's status at the hub; tolerates the hub being briefly unreachable (restarts). */
export async function waitForStatus(client: HubClient, nodeId: string, status: NodeStatus, timeoutMs: number): Promise<NodeInfo> {
  const end = Date.now() + timeoutMs
  let seen = 'unknown'
  for (;;) {
    const node = await client.getNode(nodeId).catch(() => undefined)
    if (node !== undefined) {
      seen = node.status
      if (node.status === status) return node
    }
    if (Date.now() > end) throw new Error(`node ${nodeId} did not become ${status} within ${timeoutMs} ms (last seen: ${seen})`)
    await sleep(POLL_MS)
  }
}
