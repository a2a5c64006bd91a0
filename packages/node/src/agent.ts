/** The node agent: identity, HTTP endpoint, measurements and the hub link under one lifecycle. */
import { EventEmitter } from 'node:events'
import { chmod, mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { loadOrCreateIdentity, type Identity } from '@w3ai/crypto'
import { ModelHost } from '@w3ai/compute'
import { builtinExecutors } from '@w3ai/compute/executors'
import { FederatedWorkClient, HubClient, ServingNodeClient, TaskClient } from '@w3ai/sdk'
import { W3aiError, type HeartbeatMessage, type NodeInfo, type NodeRegistration } from '@w3ai/protocol'
import type { FastifyInstance } from 'fastify'
import { pino, type Logger } from 'pino'
import { HubLink, type HubLinkState } from './hub-link.js'
import { BYTES_PER_GB, OUTBOX_DIR, PIECES_DIR } from './constants.js'
import { HubPool } from './hub-pool.js'
import { Outbox } from './outbox.js'
import { announcements, type LocalDataset } from './datasets.js'
import { DatasetWatch } from './federated/dataset-watch.js'
import { FlHost } from './federated/host.js'
import { Participant, type RunClientTask } from './federated/participant.js'
import { CpuSampler, DiskUsageTracker, bytesToGb, directorySize, machineDefaults, scaledMemoryUsedGb } from './measure.js'
import { resolveConfig, type NodeAgentConfig, type NodeAgentOptions } from './options.js'
import { OrderVerifier } from './orders.js'
import { DiskPieceStore } from './piece-store.js'
import { createServer } from './server.js'
import { ObjectCache } from './object-cache.js'
import { ServingAgent } from './serving.js'
import type { ExecuteTask } from './task-executor.js'
import { NetworkPin } from './network-pin.js'
import { TaskRunner } from './task-runner.js'
import os from 'node:os'

/** Memory for opened models and modules reused across tasks. */
const OBJECT_CACHE_BYTES = 256 * 1024 * 1024

export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version

/** Parts of the agent that can be replaced (tests inject a faulty or counting executor). */
export interface NodeAgentComponents {
  /** How a claimed task runs (default: a fresh sandboxed child process per task). */
  execute?: ExecuteTask
  /** How federated work runs (default: the node's federated host, a sandboxed child keeping TF.js loaded). */
  federated?: RunClientTask
}

export interface NodeAgentEvents {
  registered: [node: NodeInfo]
  connected: [info: { nodeId: string; heartbeatIntervalMs: number; orderKey: string | undefined; hub: string }]
  disconnected: [info: { code: number; reason: string }]
  heartbeat: [message: HeartbeatMessage]
}

export interface NodeAgent extends EventEmitter<NodeAgentEvents> {
  /** Loads or creates the identity, serves HTTP, and starts connecting to the hub in the background. */
  start(): Promise<void>
  /** Closes the hub link and the HTTP endpoint; safe to call more than once. */
  stop(): Promise<void>
  /** The node id (`n_…`); available after start(). */
  readonly id: string
  /** The node's HTTP endpoint; available after start(). */
  readonly url: string
  /** True while the heartbeat socket is open and welcomed. */
  readonly connected: boolean
  readonly hubState: HubLinkState
  readonly config: NodeAgentConfig | undefined
  /**
   * The network key that signs piece orders: from the hub's welcome message, else the orderKey
   * option; undefined until one is known (then every piece request is refused).
   */
  readonly orderKey: string | undefined
  /** The piece store under `<home>/pieces`; available after start(). */
  readonly pieces: DiskPieceStore
  /** The hub the node talks to now (it moves on when one cannot be reached). */
  readonly hubUrl: string
  /** Tasks held now (claimed and not yet reported). */
  readonly runningTasks: number
  /** Finished tasks whose result the hub has not acknowledged yet (kept under `<home>/outbox`). */
  readonly pendingReports: number
  /** Local datasets offered to federated trainings (`<home>/datasets.json`, re-read when it changes). */
  readonly datasets: readonly LocalDataset[]
}

class Agent extends EventEmitter<NodeAgentEvents> implements NodeAgent {
  config: NodeAgentConfig | undefined
  private identity: Identity | undefined
  private server: FastifyInstance | undefined
  private link: HubLink | undefined
  private runner: TaskRunner | undefined
  private outbox: Outbox | undefined
  private hubs: HubPool | undefined
  private serving: ServingAgent | undefined
  private localDatasets: DatasetWatch | undefined
  private participant: Participant | undefined
  private flHost: FlHost | undefined
  private disk: DiskUsageTracker | undefined
  private store: DiskPieceStore | undefined
  private network: NetworkPin | undefined
  private logger: Logger | undefined
  private endpoint: string | undefined
  private startedAt = 0
  private starting: Promise<void> | undefined
  private stopping: Promise<void> | undefined

  constructor(
    private readonly options: NodeAgentOptions,
    private readonly components: NodeAgentComponents,
  ) {
    super()
  }

  get hubUrl(): string {
    return this.hubs?.current ?? this.config?.hubUrl ?? ''
  }

  get runningTasks(): number {
    return this.runner?.running ?? 0
  }

  get pendingReports(): number {
    return this.outbox?.pending ?? 0
  }

  get datasets(): readonly LocalDataset[] {
    return this.localDatasets?.current ?? []
  }

  get id(): string {
    if (this.identity === undefined) throw new Error('the node agent is not started')
    return this.identity.id
  }

  get url(): string {
    if (this.endpoint === undefined) throw new Error('the node agent is not started')
    return this.endpoint
  }

  get connected(): boolean {
    return this.link?.connected ?? false
  }

  get orderKey(): string | undefined {
    return this.network?.orderKey ?? this.config?.orderKey
  }

  get pieces(): DiskPieceStore {
    if (this.store === undefined) throw new Error('the node agent is not started')
    return this.store
  }

  get hubState(): HubLinkState {
    return this.link?.state ?? 'idle'
  }

  start(): Promise<void> {
    this.starting ??= this.doStart().catch(async (err: unknown) => {
      await this.close()
      throw err
    })
    return this.starting
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined)
      await this.close()
    })()
    return this.stopping
  }

  private async doStart(): Promise<void> {
    await mkdir(this.options.home, { recursive: true, mode: 0o700 })
    // The home holds the node's secret key and users' pieces: readable by the node's user only,
    // also when it existed before with wider permissions.
    await chmod(this.options.home, 0o700)
    const { identity } = await loadOrCreateIdentity(this.options.home, 'node')
    if (identity.kind !== 'node') {
      throw new W3aiError('IDENTITY_CORRUPT', `The identity in ${this.options.home} is an ${identity.kind} identity, not a node's; use another home.`)
    }
    this.identity = identity
    const config = resolveConfig(this.options, await machineDefaults(this.options.home))
    this.config = config
    const network = await NetworkPin.load(config.home, config.orderKey)
    this.network = network
    const logger =
      config.logLevel === false ? undefined : pino({ level: config.logLevel, base: { nodeId: identity.id, pid: process.pid } })
    this.logger = logger
    const log = logger ?? pino({ enabled: false })

    const piecesDir = join(config.home, PIECES_DIR)
    const store = new DiskPieceStore({ dir: piecesDir, capacityBytes: config.capabilities.diskGb * BYTES_PER_GB })
    this.store = store
    await store.start()
    // The store counts its own bytes exactly and at once; the walk covers the rest of the home.
    const skip = new Set([piecesDir])
    this.disk = new DiskUsageTracker(config.home, config.diskScanIntervalMs, Date.now, (dir) => directorySize(dir, skip))
    await this.disk.refresh()

    this.startedAt = Date.now()
    const hubs = new HubPool(config.hubs, log)
    this.hubs = hubs
    // Every request follows the pool: it goes to the current hub and fails over on its own. The
    // agent's loops (claims, renewals, reports, reconnects) retry with their own backoff, so a
    // request is tried once (on each hub) rather than held for the client's retries.
    const clientOptions = { url: config.hubUrl, fetch: hubs.fetch, retry: false as const }
    const hubClient = (): HubClient => new HubClient(clientOptions)
    const tasks = new TaskClient(hubClient(), identity)
    const outbox = new Outbox({ dir: join(config.home, OUTBOX_DIR), tasks, retry: config.reportRetry, log })
    this.outbox = outbox
    await outbox.start()
    const objects = new ObjectCache(OBJECT_CACHE_BYTES)
    const serving = new ServingAgent({
      client: new ServingNodeClient(hubClient(), identity),
      tasks,
      objects,
      host: new ModelHost({ runTimeoutMs: config.tasks.timeMs, memoryMb: config.tasks.memoryMb, onCrash: (reason) => log.warn({ reason }, 'model host crashed; it restarts on the next request') }),
      pollMs: Math.max(config.tasks.pollMs * 2, 1000),
      log,
    })
    this.serving = serving
    this.server = createServer({
      logger,
      health: () => this.health(),
      pieces: {
        store,
        orders: new OrderVerifier({ nodeId: () => identity.id, orderKey: () => this.orderKey }),
        identity,
      },
      serve: { serving, nodeId: () => identity.id, networkKey: () => this.orderKey },
    })
    const address = await this.server.listen({ host: config.host, port: config.port })
    this.endpoint = config.publicUrl ?? address

    // Datasets added or removed while the node runs are announced by registering again.
    this.localDatasets = new DatasetWatch({
      home: config.home,
      announce: async () => void (await hubClient().registerNode(this.registration(config), identity)),
      log,
    })
    await this.localDatasets.start()

    const cpu = new CpuSampler()
    const memoryGb = config.capabilities.memoryGb

    this.link = new HubLink({
      client: hubClient(),
      hubs,
      identity,
      registration: () => this.registration(config),
      load: () => ({
        cpuPercent: cpu.sample(),
        memoryUsedGb: scaledMemoryUsedGb(os.totalmem(), os.freemem(), memoryGb),
        runningTasks: this.runner?.running ?? 0,
        diskUsedGb: bytesToGb((this.disk?.usedBytes() ?? 0) + store.usage().bytes),
      }),
      reconnect: config.reconnect,
      logger: log,
      onRegistered: (node) => {
        log.info({ status: node.status }, 'registered with the hub')
        this.emit('registered', node)
      },
      onConnected: (info) => {
        if (info.orderKey !== undefined) {
          const hubKey = info.orderKey
          void network.welcome(hubKey).then(
            (same) => {
              if (!same) log.error({ hub: info.hub, hubOrderKey: hubKey, orderKey: network.orderKey }, 'this hub belongs to another network; orders it signs are refused')
            },
            (err: unknown) => log.warn({ err }, 'could not write the network pin'),
          )
        }
        log.info({ hub: info.hub, heartbeatIntervalMs: info.heartbeatIntervalMs }, 'connected to the hub')
        this.emit('connected', info)
      },
      onDisconnected: (info) => {
        log.info(info, 'disconnected from the hub')
        this.emit('disconnected', info)
      },
      onHeartbeat: (message) => this.emit('heartbeat', message),
      // The hub made work for this node: the loop it is for claims now (both keep polling too).
      onWork: (kind) => (kind === 'fl' ? this.participant : this.runner)?.nudge(),
    })
    this.link.start()
    this.runner = new TaskRunner({
      tasks,
      outbox,
      objects,
      ...(this.components.execute === undefined ? {} : { execute: this.components.execute }),
      executors: config.capabilities.executors,
      slots: config.tasks.slots,
      pollMs: config.tasks.pollMs,
      limits: { timeMs: config.tasks.timeMs, memoryMb: config.tasks.memoryMb },
      log,
    })
    if (config.tasks.enabled) this.runner.start()
    const flHost = new FlHost({ memoryMb: config.tasks.memoryMb })
    this.flHost = flHost
    this.participant = new Participant({
      work: new FederatedWorkClient(hubClient(), identity),
      identity,
      datasets: () => this.datasets,
      limits: { timeMs: config.tasks.timeMs, memoryMb: config.tasks.memoryMb },
      pollMs: config.tasks.pollMs,
      log,
      run: this.components.federated ?? ((payload, limits, signal) => flHost.run(payload, limits, signal)),
    })
    if (config.tasks.enabled) this.participant.start()
    if (config.tasks.enabled && (config.capabilities.executors as readonly string[]).includes(builtinExecutors().servable().name)) serving.start()
    log.info({ url: this.endpoint, hubs: config.hubs }, 'node started')
  }

  private registration(config: NodeAgentConfig): NodeRegistration {
    const reg: NodeRegistration = {
      name: config.name ?? this.id,
      version: VERSION,
      capabilities: config.capabilities,
      location: config.location,
      endpoint: this.url,
      ...(this.identity === undefined ? {} : { encryptionKey: this.identity.encryptionKey }),
      ...(this.network?.orderKey === undefined ? {} : { network: this.network.orderKey }),
      datasets: announcements(this.datasets),
      ...(config.prices === undefined ? {} : { prices: config.prices }),
    }
    return reg
  }

  private health(): ReturnType<Parameters<typeof createServer>[0]['health']> {
    return {
      status: 'ok',
      nodeId: this.id,
      version: VERSION,
      uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
      hub: { url: this.hubUrl, state: this.hubState, connected: this.connected },
      pieces: { count: this.store?.usage().pieces ?? 0, bytes: this.store?.usage().bytes ?? 0 },
    }
  }

  private async close(): Promise<void> {
    await this.runner?.stop()
    await this.participant?.stop()
    await this.flHost?.close()
    await this.outbox?.stop()
    await this.serving?.stop()
    await this.link?.stop()
    await this.network?.settled()
    await this.localDatasets?.stop()
    // Uploads in flight would hold the server open: abort them (their temporary files go too).
    await this.store?.stop()
    await this.server?.close()
    this.logger?.info('node stopped')
    this.logger?.flush()
  }
}

/** Creates an agent; nothing happens until start(). */
export function createNodeAgent(options: NodeAgentOptions, components: NodeAgentComponents = {}): NodeAgent {
  return new Agent(options, components)
}
