/** createHub: composes the database, stores, liveness, event bus and HTTP routes into one hub. */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import fastifySwagger from '@fastify/swagger'
import fastifyWebsocket from '@fastify/websocket'
import { W3AI_VERSION, W3aiError } from '@w3ai/protocol'
import type { FastifyInstance } from 'fastify'
import { signatureVerifier } from './auth.js'
import { HUB_DEFAULTS, STORAGE_ENV } from './constants.js'
import type { HubContext } from './context.js'
import { openDatabase } from './db/open.js'
import type { Database } from './db/types.js'
import { EventBus } from './events.js'
import { createHttp } from './http.js'
import { Liveness } from './liveness.js'
import { loadNetworkKey } from './network-key.js'
import { createMetrics } from './metrics.js'
import { accountRoutes } from './routes/accounts.js'
import { nodeRoutes } from './routes/nodes.js'
import { streamRoutes } from './routes/streams.js'
import { systemRoutes } from './routes/system.js'
import { StorageMaintenance } from './storage/maintenance.js'
import { storageRoutes } from './routes/storage.js'
import { jobRoutes } from './routes/jobs.js'
import { servingRoutes } from './routes/serving.js'
import { ServingService } from './serving/service.js'
import { DeploymentStore } from './serving/store.js'
import { JobService } from './jobs/service.js'
import { HubRouter } from './jobs/routing.js'
import { TaskQueue } from './jobs/queue.js'
import { JobStore } from './store/jobs.js'
import { AccountStore } from './store/accounts.js'
import { ObjectStore } from './store/objects.js'
import { PieceStore } from './store/pieces.js'
import { UploadStore } from './store/uploads.js'
import { NodeStore } from './store/nodes.js'
import { createNonceStore, type NonceStore } from './store/nonces.js'

export interface HubOptions {
  /** w3ai home; PGlite data lives under `<home>/hub/db` unless databaseUrl is set. */
  home: string
  /** TCP port (default 7420; 0 picks a free one). */
  port?: number
  /** Address to bind (default 127.0.0.1). */
  host?: string
  /** PostgreSQL URL (a `schema=NAME` query parameter selects a schema); when absent, embedded PGlite is used. */
  databaseUrl?: string
  /** Heartbeat interval the hub tells nodes to use (default 1000 ms). */
  heartbeatIntervalMs?: number
  /** A node no hub has heard from for this long is offline (default 10000 ms). */
  staleAfterMs?: number
  /** Directory of the built dashboard (default: packages/web/dist). */
  webRoot?: string
  /** pino level, or false for no logs (default 'info'). Logs go to stdout. */
  logLevel?: string | false
  /** Compute settings (task leases, spot checks, stragglers). */
  compute?: { leaseMs?: number; spotCheckRate?: number; stragglerAfterMs?: number }
  /** Storage settings; each may also come from the environment (STORAGE_ENV). */
  storage?: Partial<StorageSettings>
  /** Environment to read settings from (default process.env). */
  env?: NodeJS.ProcessEnv
}

export interface StorageSettings {
  storageQuotaBytes: number
  repairGraceMs: number
  auditIntervalMs: number
  repairIntervalMs: number
}

function storageSettings(options: HubOptions): StorageSettings {
  const env = options.env ?? process.env
  const pick = (key: keyof StorageSettings): number => {
    const given = options.storage?.[key]
    if (given !== undefined) return given
    const raw = env[STORAGE_ENV[key]]
    const parsed = raw === undefined || raw === '' ? NaN : Number(raw)
    return Number.isFinite(parsed) && parsed >= 0 ? parsed : HUB_DEFAULTS[key]
  }
  return { storageQuotaBytes: pick('storageQuotaBytes'), repairGraceMs: pick('repairGraceMs'), auditIntervalMs: pick('auditIntervalMs'), repairIntervalMs: pick('repairIntervalMs') }
}

export interface Hub {
  start(): Promise<void>
  stop(): Promise<void>
  /** http://host:port once started. */
  readonly url: string
  readonly hubId: string
  /** The Fastify instance (for `inject` in tests); available after start(). */
  readonly app: FastifyInstance
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url))

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>w3ai hub</title>
<body style="font-family:sans-serif;padding:2rem"><h1>w3ai hub</h1>
<p>The dashboard is not built. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it), then reload.</p>
<p>The API is at <a href="/v1/health">/v1/health</a>; its document at <a href="/v1/openapi.json">/v1/openapi.json</a>.</p></body>`

export function createHub(options: HubOptions): Hub {
  const hubId = `hub_${randomBytes(6).toString('hex')}`
  const port = options.port ?? HUB_DEFAULTS.port
  const host = options.host ?? HUB_DEFAULTS.host
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? HUB_DEFAULTS.heartbeatIntervalMs
  const logLevel = options.logLevel ?? HUB_DEFAULTS.logLevel
  const webRoot = options.webRoot ?? DEFAULT_WEB_ROOT
  let app: FastifyInstance | undefined
  let db: Database | undefined
  let ctx: HubContext | undefined
  let nonces: NonceStore | undefined
  let url = ''
  let state: 'new' | 'starting' | 'started' | 'stopping' | 'stopped' = 'new'

  async function start(): Promise<void> {
    if (state !== 'new') throw new Error(`hub already ${state}`)
    state = 'starting'
    const http = createHttp(logLevel)
    app = http
    db = await openDatabase({ home: options.home, databaseUrl: options.databaseUrl })
    const onError = (err: unknown): void => http.log.error({ err }, 'background task failed')
    const nodes = new NodeStore(db)
    const nonceStore = createNonceStore(db)
    nonces = nonceStore
    await nonceStore.start()
    const bus = new EventBus(db, hubId, 'w3ai_events', onError)
    const metrics = createMetrics(nodes)
    const liveness = new Liveness({
      nodes,
      nonces: nonceStore,
      bus,
      hubId,
      heartbeatIntervalMs,
      tickMs: Math.min(HUB_DEFAULTS.livenessTickMs, heartbeatIntervalMs),
      sweepIntervalMs: HUB_DEFAULTS.sweepIntervalMs,
      staleAfterMs: options.staleAfterMs ?? HUB_DEFAULTS.staleAfterMs,
      onError,
      onHeartbeat: () => metrics.heartbeats.inc(),
    })
    const settings = storageSettings(options)
    const networkKey = await loadNetworkKey(db)
    const objects = new ObjectStore(db, settings.repairGraceMs)
    const maintenance = new StorageMaintenance({
      db,
      pieces: new PieceStore(db, settings.repairGraceMs),
      objects,
      nodes,
      networkKey,
      bus,
      collectIntervalMs: HUB_DEFAULTS.collectIntervalMs,
      auditIntervalMs: settings.auditIntervalMs,
      repairIntervalMs: settings.repairIntervalMs,
      auditsPerRound: HUB_DEFAULTS.auditsPerRound,
      onError,
      log: (msg, fields) => http.log.info(fields ?? {}, msg),
    })
    const env = options.env ?? process.env
    const envNumber = (name: string): number | undefined => (env[name] === undefined || env[name] === '' || !Number.isFinite(Number(env[name])) ? undefined : Number(env[name]))
    const compute = {
      ...(envNumber('W3AI_TASK_LEASE_MS') === undefined ? {} : { leaseMs: envNumber('W3AI_TASK_LEASE_MS') }),
      ...(envNumber('W3AI_SPOT_CHECK_RATE') === undefined ? {} : { spotCheckRate: envNumber('W3AI_SPOT_CHECK_RATE') }),
      ...options.compute,
    }
    const router = new HubRouter(nodes, bus)
    const jobService = new JobService({
      router,
      queue: new TaskQueue(db, { leaseMs: compute.leaseMs ?? HUB_DEFAULTS.taskLeaseMs }),
      jobs: new JobStore(db),
      objects,
      networkKey,
      spotCheckRate: compute.spotCheckRate ?? HUB_DEFAULTS.spotCheckRate,
      maxTieBreakers: 2,
      stragglerAfterMs: compute.stragglerAfterMs ?? HUB_DEFAULTS.stragglerAfterMs,
      upkeepIntervalMs: Math.min(1000, compute.leaseMs ?? HUB_DEFAULTS.taskLeaseMs),
      assignmentTimeoutMs: Math.min(5000, compute.leaseMs ?? HUB_DEFAULTS.taskLeaseMs),
      strandedFailAfterMs: HUB_DEFAULTS.strandedFailAfterMs,
      announce: (jobId) => bus.publish({ type: 'job.updated', jobId }),
      onError,
    })
    const serving = new ServingService({
      store: new DeploymentStore(db),
      jobs: new JobStore(db),
      objects,
      networkKey,
      router,
      announce: (deploymentId) => bus.publish({ type: 'deployment.updated', deploymentId }),
      requestTimeoutMs: HUB_DEFAULTS.inferTimeoutMs,
      cacheMs: HUB_DEFAULTS.servingCacheMs,
      spareCandidates: 2,
      onError,
    })
    const context: HubContext = {
      hubId,
      version: W3AI_VERSION,
      startedAt: Date.now(),
      db,
      nodes,
      accounts: new AccountStore(db),
      uploads: new UploadStore(db),
      objects,
      collector: maintenance,
      storageQuotaBytes: settings.storageQuotaBytes,
      jobService,
      serving,
      bus,
      liveness,
      metrics,
      requireSignature: signatureVerifier({ nonces: nonceStore, onFailure: (code) => metrics.authFailures.inc({ code }) }),
      heartbeatIntervalMs,
      networkKey,
      maxClientBacklogBytes: HUB_DEFAULTS.maxClientBacklogBytes,
    }
    ctx = context

    http.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched'
      metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) })
      metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000)
    })
    await http.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'w3ai hub API', version: W3AI_VERSION, description: 'REST API of a w3ai hub. Signed requests carry x-w3ai-key, x-w3ai-timestamp, x-w3ai-nonce and x-w3ai-signature.' },
        components: {
          securitySchemes: {
            w3aiSignature: { type: 'apiKey', in: 'header', name: 'x-w3ai-signature', description: 'ed25519 over "W3AI-ED25519-V1\\nMETHOD\\nPATH\\nSHA256(body)\\nTIMESTAMP\\nNONCE"' },
          },
        },
      },
    })
    await http.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } })
    await systemRoutes(http, context)
    await nodeRoutes(http, context)
    await accountRoutes(http, context)
    await streamRoutes(http, context)
    await storageRoutes(http, context)
    await jobRoutes(http, context)
    await servingRoutes(http, context)
    registerDashboard(http, webRoot)

    await bus.start()
    await router.start()
    await http.listen({ port, host })
    const address = http.server.address()
    const boundPort = typeof address === 'object' && address !== null ? address.port : port
    url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${boundPort}`
    liveness.start()
    maintenance.start()
    jobService.start()
    serving.start()
    state = 'started'
    http.log.info({ url, hubId, database: db.kind }, 'hub listening')
  }

  async function stop(): Promise<void> {
    if (state === 'stopped' || state === 'stopping' || state === 'new') {
      state = state === 'new' ? 'stopped' : state
      return
    }
    state = 'stopping'
    await ctx?.jobService.stop()
    await ctx?.serving.stop()
    await ctx?.collector.stop()
    await ctx?.liveness.stop()
    await app?.close()
    await ctx?.bus.stop()
    await nonces?.stop().catch(() => undefined)
    await db?.close()
    state = 'stopped'
  }

  return {
    start,
    stop,
    get url() {
      return url
    },
    hubId,
    get app() {
      if (app === undefined) throw new Error('hub not started')
      return app
    },
  }
}

function registerDashboard(app: FastifyInstance, webRoot: string): void {
  const built = existsSync(join(webRoot, 'index.html'))
  if (built) void app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: true, index: 'index.html' })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    const api = path.startsWith('/v1/') || path === '/v1' || path === '/metrics'
    if (!api && request.method === 'GET') {
      if (built) return reply.sendFile('index.html')
      return reply.type('text/html').send(NOT_BUILT_PAGE)
    }
    const e = new W3aiError('ROUTE_NOT_FOUND', `No endpoint ${request.method} ${path}; see /v1/openapi.json.`)
    return reply.status(e.status).send(e.toBody(request.id))
  })
}
