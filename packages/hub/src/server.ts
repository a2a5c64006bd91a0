/**
 * createHub composes a hub: validated configuration, the database, shared infrastructure (event
 * bus, nonce store, metrics, signatures) and the domain plugins, each given exactly the options
 * it declares. Every long-running part starts and stops through one Lifecycle.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import fastifySwagger from '@fastify/swagger'
import fastifyWebsocket from '@fastify/websocket'
import { W3AI_VERSION } from '@w3ai/protocol'
import type { FastifyInstance } from 'fastify'
import { loadConfig, type HubOptions } from './config.js'
import { HUB_DEFAULTS } from './constants.js'
import { HubRegistry } from './db/hub-registry.js'
import { openDatabase } from './db/open.js'
import { privateDir } from './db/private-files.js'
import { buildDomains } from './domains/index.js'
import { accountsPlugin } from './domains/accounts/plugin.js'
import { billingPlugin } from './domains/billing/plugin.js'
import { computePlugin } from './domains/compute/plugin.js'
import { eventsPlugin } from './domains/events/plugin.js'
import { federatedPlugin } from './domains/federated/plugin.js'
import type { NetworkParameters } from './domains/governance/parameters.js'
import { governancePlugin } from './domains/governance/plugin.js'
import type { HeartbeatRoutesOptions } from './domains/nodes/heartbeat.js'
import { ledgerPlugin } from './domains/ledger/plugin.js'
import { marketPlugin } from './domains/market/plugin.js'
import { nodesPlugin } from './domains/nodes/plugin.js'
import { NodeStore } from './domains/nodes/store.js'
import { pipelinePlugin } from './domains/pipeline/plugin.js'
import { servingPlugin } from './domains/serving/plugin.js'
import { stakingPlugin } from './domains/staking/plugin.js'
import { storagePlugin } from './domains/storage/plugin.js'
import { systemPlugin } from './domains/system/plugin.js'
import { EventBus } from './infra/event-bus.js'
import { createMetrics, type HubMetrics } from './infra/metrics.js'
import { loadNetworkKey } from './infra/network-key.js'
import { createNonceStore } from './infra/nonces.js'
import { Lifecycle } from './lifecycle.js'
import { installSignatures, SignatureVerifier } from './shell/auth.js'
import { installDashboard, installSecurityHeaders } from './shell/dashboard.js'
import { loggableError } from './shell/errors.js'
import { createHttp } from './shell/http.js'

export type { HubOptions } from './config.js'

export interface Hub {
  start(): Promise<void>
  stop(): Promise<void>
  /** http://host:port once started ('' when started with `listen: false`). */
  readonly url: string
  readonly hubId: string
  /** The Fastify instance (for `inject` in tests); available after start(). */
  readonly app: FastifyInstance
  /** The governed network parameters, as every domain reads them; available after start(). */
  readonly parameters: NetworkParameters
}

const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'w3ai hub API', version: W3AI_VERSION, description: 'REST API of a w3ai hub. Signed requests carry x-w3ai-key, x-w3ai-timestamp, x-w3ai-nonce and x-w3ai-signature.' },
  components: {
    securitySchemes: {
      w3aiSignature: { type: 'apiKey', in: 'header', name: 'x-w3ai-signature', description: 'ed25519 over "W3AI-ED25519-V1\\nMETHOD\\nPATH\\nSHA256(body)\\nTIMESTAMP\\nNONCE"' },
    },
  },
} as const

export function createHub(options: HubOptions): Hub {
  const config = loadConfig(options)
  const hubId = `hub_${randomBytes(6).toString('hex')}`
  let app: FastifyInstance | undefined
  let parameters: NetworkParameters | undefined
  let url = ''
  let lifecycle: Lifecycle | undefined
  let starting: Promise<void> | undefined

  async function compose(): Promise<void> {
    const http = createHttp(config.logLevel)
    app = http
    const onError = (err: unknown): void => http.log.error({ err: loggableError(err) }, 'background task failed')
    const life = new Lifecycle((err, name) => http.log.error({ err: loggableError(err), component: name }, 'stop failed'))
    lifecycle = life
    // The hub's directory holds its database and (by default) the network key: its user's alone.
    await privateDir(config.home)
    await privateDir(join(config.home, 'hub'))
    const db = await openDatabase({ home: config.home, databaseUrl: config.databaseUrl })
    life.adopt('database', { stop: () => db.close() })
    const nodeStore = life.add('node store', new NodeStore(db))
    const nonces = life.add('nonces', createNonceStore(db))
    const bus = life.add('event bus', new EventBus(db, hubId, 'w3ai_events', onError))
    const metrics = createMetrics(async () => (await nodeStore.summary()).nodes)
    const networkKey = await loadNetworkKey(db, config.networkKeyFile)
    const hubs = new HubRegistry(db, hubId, () => config.publicUrl ?? url, { onError })
    const d = buildDomains({ config, hubId, db, bus, nonces, metrics, networkKey, onError, log: (msg, fields) => http.log.info(fields ?? {}, msg) }, nodeStore)
    life.add('router', d.router)
    parameters = d.parameters
    // Before http: genesis is minted before the first request can ask for tokens.
    life.add('ledger', d.ledger)
    // Before http: the stake rule holds from the first placement.
    life.add('staking', d.stakingUpkeep)

    const verifier = new SignatureVerifier({ nonces, onFailure: (code) => metrics.authFailures.inc({ code }) })
    recordRequests(http, metrics)
    await installSecurityHeaders(http)
    await http.register(fastifySwagger, { openapi: OPENAPI })
    await http.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } })
    installSignatures(http, verifier)

    await http.register(systemPlugin, {
      hubId,
      version: W3AI_VERSION,
      startedAt: Date.now(),
      database: db.kind,
      orderKey: networkKey.publicKey,
      networkSummary: () => nodeStore.summary(),
      metrics: metrics.registry,
    })
    const nodesOptions: HeartbeatRoutesOptions = {
      nodes: d.nodes,
      store: nodeStore,
      liveness: d.liveness,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      orderKey: networkKey.publicKey,
      heartbeatSockets: metrics.heartbeatSockets,
      otherHubs: () => hubs.others(),
    }
    await http.register(nodesPlugin, nodesOptions)
    await http.register(accountsPlugin, { accounts: d.accounts })
    await http.register(eventsPlugin, { hubId, bus, audience: d.audience, verifier, allNodes: () => nodeStore.all(), eventClients: metrics.eventClients, maxClientBacklogBytes: HUB_DEFAULTS.maxClientBacklogBytes })
    await http.register(storagePlugin, { storage: d.storage })
    await http.register(computePlugin, { jobs: d.jobs, accounts: d.accounts, nodes: d.nodes })
    await http.register(servingPlugin, { serving: d.serving, accounts: d.accounts, nodes: d.nodes })
    await http.register(federatedPlugin, { datasets: d.datasets, federated: d.federated, accounts: d.accounts, nodes: d.nodes })
    await http.register(pipelinePlugin, { pipelines: d.pipelines, accounts: d.accounts })
    await http.register(governancePlugin, { governance: d.governance, accounts: d.accounts, nodes: d.nodes })
    await http.register(ledgerPlugin, { ledger: d.ledger, accounts: d.accounts })
    await http.register(billingPlugin, { quotes: d.quotes })
    await http.register(stakingPlugin, { staking: d.staking })
    await http.register(marketPlugin, { market: d.market, orders: d.marketOrders, accounts: d.accounts })
    await installDashboard(http, config.webRoot)

    life.add('http', {
      start: async () => {
        if (!config.listen) {
          await http.ready()
          return
        }
        await http.listen({ port: config.port, host: config.host })
        const address = http.server.address()
        const boundPort = typeof address === 'object' && address !== null ? address.port : config.port
        url = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${boundPort}`
      },
      stop: () => http.close(),
    })
    // After http: the registry records the bound URL unless a public URL was configured. A hub
    // that does not listen has no URL to give nodes.
    if (config.listen || config.publicUrl !== undefined) life.add('hub registry', hubs)
    life.add('liveness', d.liveness)
    life.add('storage maintenance', d.maintenance)
    life.add('jobs', d.jobs)
    life.add('serving', d.serving)
    life.add('federated', d.coordinator)
    life.add('governance', d.governanceUpkeep)
    life.add('market', d.marketUpkeep)
    if (config.billing.enabled) life.add('storage payments', d.storageRewardsUpkeep)
  }

  async function start(): Promise<void> {
    if (starting !== undefined) throw new Error('hub already started')
    starting = (async () => {
      try {
        await compose()
      } catch (err) {
        // The database may be open already: close what was opened.
        await lifecycle?.stop()
        throw err
      }
      await lifecycle!.start()
      app!.log.info({ url, hubId }, config.listen ? 'hub listening' : 'hub started without listening')
    })()
    await starting
  }

  async function stop(): Promise<void> {
    await starting?.catch(() => undefined)
    await lifecycle?.stop()
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
    get parameters() {
      if (parameters === undefined) throw new Error('hub not started')
      return parameters
    },
  }
}

function recordRequests(app: FastifyInstance, metrics: HubMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) })
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000)
  })
}
