/**
 * Model serving: deployments are created by a model's owner (who wraps the model key to the nodes
 * the router picks), loaded by those nodes, and then answer inference requests that this hub
 * forwards, signed with the network key, to the least busy ready replica, failing over to another
 * when a node does not answer. Request bodies pass through untouched; the node checks them.
 */
import { randomBytes } from 'node:crypto'
import { Agent, request as httpRequest } from 'node:http'
import { builtinExecutors, type ExecutorDescriptors } from '@w3ai/compute/executors'
import { signObject, signRequest, type Identity } from '@w3ai/crypto'
import { TICKET_DEFAULTS, W3aiError, type ServingTicket, type TicketGrant, type TicketRequest, type Deployment, type DeploymentCandidates, type DeploymentCreate, type DeploymentKeys, type JobExecutor, type DeploymentList, type Order, type ServingAssignment, type ServingState, type TaskInput, type WrappedKey } from '@w3ai/protocol'
import type { ObjectStore } from '../storage/object-store.js'
import type { PageRequest } from '../../infra/paging.js'
import type { JobStore } from '../compute/store.js'
import { taskInput } from '../compute/inputs.js'
import { chooseNodes, type HubRouter } from '../compute/routing.js'
import type { ServingBilling } from './billing.js'
import { deploymentView, type DeploymentRow, type DeploymentStore, type ReplicaRow } from './store.js'

const SERVABLE = builtinExecutors()

export interface ServingComponents {
  store: DeploymentStore
  jobs: JobStore
  objects: ObjectStore
  networkKey: Identity
  router?: HubRouter
  /** Announces that a deployment changed (the dashboard refetches it). */
  announce: (deploymentId: string) => void
  /** How long a node may take to answer one inference request. */
  requestTimeoutMs: number
  /** How long this hub trusts its cached view of a deployment's replicas. */
  cacheMs: number
  /** Spare candidates offered beyond the replicas, so the owner's keys still reach enough live nodes. */
  spareCandidates: number
  onError: (err: unknown) => void
  /** The executors; the servable one (onnx) places deployments (default: the built-in ones). */
  executors?: ExecutorDescriptors
  /** Pay per answered inference (billing on); absent: inference is free. */
  billing?: ServingBilling
  /** Per-call market purchases: a buyer calls the seller's deployment of the model it bought. */
  market?: PaidCalls
}

/** What serving asks of the market: a per-call order and counting its calls. */
export interface PaidCalls {
  /** The order as its buyer or seller sees it (MARKET_ORDER_NOT_FOUND otherwise). */
  order(accountId: string, orderId: string): Promise<Pick<Order, 'buyer' | 'seller' | 'mode' | 'cid'>>
  /** Counts one call, once per request id (MARKET_ALLOWANCE_EXHAUSTED, MARKET_INVALID_STATE when it takes none). */
  consumeCall(orderId: string, requestId: string): Promise<unknown>
}

/** A call paid from a per-call purchase: the buyer's order and the request's id (a retry with the same id counts once). */
export interface PaidCall {
  orderId: string
  requestId: string
}

/** How a call's body is encoded and which answer the caller accepts (passed to the node as they came). */
export interface InferWire {
  contentType: string
  accept?: string
  /** SHA-256 (hex) of the body, as verified with the caller's signature: the forward is signed without hashing it again. */
  digest?: string
}

export interface InferAnswer {
  status: number
  body: Buffer
  /** The node's content type (JSON, or a binary tensor frame). */
  contentType: string
  nodeId: string
  /** The node's Server-Timing entries (its own time and the model run), when it sent them. */
  timing?: string
}

const DEFAULT_MAX_BATCH = 256
/** Replicas tried per request before it fails (the first choice and one fail-over). */
const MAX_TRIES = 2

export class ServingService {
  private readonly cache = new Map<string, { at: number; row: DeploymentRow; replicas: ReplicaRow[] }>()
  private readonly inflight = new Map<string, number>()
  private readonly pending = new Map<string, { requests: number; failures: number }>()
  private timer: NodeJS.Timeout | undefined
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 })

  constructor(private readonly c: ServingComponents) {}

  start(flushIntervalMs = 2000): void {
    this.timer = setInterval(() => void this.flush(), flushIntervalMs)
    this.timer.unref()
  }

  /** The executor models are served with (its descriptor says servable). */
  private servingExecutor(): JobExecutor {
    return (this.c.executors ?? SERVABLE).servable().name as JobExecutor
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.agent.destroy()
    await this.flush()
  }

  async create(owner: string, body: DeploymentCreate): Promise<DeploymentCandidates> {
    await this.c.objects.readableBy(body.model, owner, 'Model')
    const replicas = body.replicas ?? 1
    const executor = this.servingExecutor()
    const candidates = await chooseNodes(this.c.router, this.c.jobs, executor, replicas + this.c.spareCandidates)
    if (candidates.length < replicas) {
      throw new W3aiError('COMPUTE_NOT_ENOUGH_NODES', `${replicas} serving replica(s) need as many online nodes running ${executor}; ${candidates.length} are available.`)
    }
    const id = `d_${randomBytes(12).toString('hex')}`
    await this.c.store.create({ id, owner, model: body.model, replicas, maxBatch: body.maxBatch ?? DEFAULT_MAX_BATCH, candidates: candidates.map((n) => n.nodeId) })
    this.c.announce(id)
    return { deploymentId: id, status: 'awaiting-keys', model: body.model, candidates }
  }

  /**
   * Replacement replicas for those lost with their nodes (offline, or failed to load): new candidate
   * nodes for the owner to wrap the key to, as at creation.
   */
  async offerReplacements(owner: string, id: string): Promise<DeploymentCandidates> {
    const row = await this.owned(owner, id)
    if (row.status !== 'active') throw new W3aiError('DEPLOYMENT_INVALID_STATE', `Deployment ${id} is ${row.status}; only an active deployment gets replacement replicas.`)
    const replicas = await this.c.store.replicas(id)
    const missing = row.replicas - replicas.filter(isLive).length
    if (missing <= 0) throw new W3aiError('DEPLOYMENT_INVALID_STATE', `Deployment ${id} has all ${row.replicas} replica(s) serving or loading; nothing to replace.`)
    const used = new Set(replicas.map((r) => r.nodeId))
    const executor = this.servingExecutor()
    const candidates = (await chooseNodes(this.c.router, this.c.jobs, executor, missing + this.c.spareCandidates + used.size)).filter((n) => !used.has(n.nodeId))
    if (candidates.length < missing) throw new W3aiError('COMPUTE_NOT_ENOUGH_NODES', `${missing} replacement replica(s) need as many other online nodes running ${executor}; ${candidates.length} are available.`)
    await this.c.store.offer(id, candidates.map((n) => n.nodeId))
    return { deploymentId: id, status: 'awaiting-keys', model: row.model, candidates }
  }

  /** The owner's model key wrapped to candidate nodes: the first `replicas` of them start serving (or replace lost ones). */
  async provideKeys(owner: string, id: string, body: DeploymentKeys): Promise<Deployment> {
    const row = await this.owned(owner, id)
    if (row.status === 'active' && row.candidates.length > 0) return this.replace(owner, row, body)
    if (row.status !== 'awaiting-keys') throw new W3aiError('DEPLOYMENT_INVALID_STATE', `Deployment ${id} is ${row.status}, not waiting for keys.`)
    const keys = this.candidateKeys(row, body)
    if (keys.length < row.replicas) throw new W3aiError('JOB_KEYS_INCOMPLETE', `The model key reached ${keys.length} node(s); the deployment needs ${row.replicas}.`)
    if (!(await this.c.store.activate(id, keys.slice(0, row.replicas)))) throw new W3aiError('DEPLOYMENT_INVALID_STATE', `Deployment ${id} is no longer waiting for keys.`)
    this.changed(id)
    return this.view(owner, id)
  }

  private async replace(owner: string, row: DeploymentRow, body: DeploymentKeys): Promise<Deployment> {
    const replicas = await this.c.store.replicas(row.id)
    const missing = row.replicas - replicas.filter(isLive).length
    const keys = this.candidateKeys(row, body).slice(0, Math.max(0, missing))
    if (keys.length < missing) throw new W3aiError('JOB_KEYS_INCOMPLETE', `The model key reached ${keys.length} new node(s); ${missing} replica(s) are missing.`)
    await this.c.store.replace(row.id, keys, replicas.filter((r) => !isLive(r) && r.state !== 'stopped').map((r) => r.nodeId))
    this.changed(row.id)
    return this.view(owner, row.id)
  }

  /** The keys for candidate nodes, one per node, in the order given; a key for any other node is refused. */
  private candidateKeys(row: DeploymentRow, body: DeploymentKeys): DeploymentKeys['keys'] {
    const seen = new Set<string>()
    const keys: DeploymentKeys['keys'] = []
    for (const k of body.keys) {
      if (!row.candidates.includes(k.nodeId)) throw new W3aiError('JOB_KEYS_INCOMPLETE', `${k.nodeId} is not a candidate node of this deployment.`)
      if (seen.has(k.nodeId)) continue
      seen.add(k.nodeId)
      keys.push(k)
    }
    return keys
  }

  async view(owner: string, id: string): Promise<Deployment> {
    const row = await this.owned(owner, id)
    return deploymentView(row, await this.c.store.replicas(id), this.pending.get(id))
  }

  /** One page of the owner's deployments, newest first. */
  async list(owner: string, request: PageRequest = {}): Promise<DeploymentList> {
    const page = await this.c.store.list(owner, request)
    const deployments = await Promise.all(page.items.map(async (row) => deploymentView(row, await this.c.store.replicas(row.id), this.pending.get(row.id))))
    return { deployments, nextCursor: page.nextCursor }
  }

  async stopDeployment(owner: string, id: string): Promise<Deployment> {
    const row = await this.owned(owner, id)
    if (!(await this.c.store.stop(id))) throw new W3aiError('DEPLOYMENT_INVALID_STATE', `Deployment ${id} is already ${row.status}.`)
    this.changed(id)
    return this.view(owner, id)
  }

  /** What a node should keep loaded (a light list: it polls this). */
  async assignments(nodeId: string): Promise<ServingAssignment[]> {
    return (await this.c.store.assignedTo(nodeId)).map(({ row }) => ({ deploymentId: row.id, maxBatch: row.maxBatch, model: row.model }))
  }

  /** What a serving node needs to fetch and open the model of a deployment it serves: manifest, pieces with get orders, its wrapped key. */
  async model(nodeId: string, id: string): Promise<TaskInput> {
    const assigned = (await this.c.store.assignedTo(nodeId)).find(({ row }) => row.id === id)
    const model = assigned === undefined ? undefined : await taskInput(this.c.objects, this.c.networkKey, nodeId, 'model', assigned.row.model, assigned.replica.wrappedKey as WrappedKey)
    if (model === undefined) throw new W3aiError('DEPLOYMENT_NOT_FOUND', `This node does not serve deployment ${id}.`)
    return model
  }

  async report(nodeId: string, id: string, state: ServingState): Promise<void> {
    if (!(await this.c.store.report(id, nodeId, state))) throw new W3aiError('DEPLOYMENT_NOT_FOUND', `This node does not serve deployment ${id}.`)
    this.changed(id)
  }

  /** Forwards one inference request to a ready replica (another one if it fails); the node's answer is passed back as is. */
  /**
   * Runs inference on a deployment: its owner's, or, with `call`, the deployment of a model the
   * caller bought per call from the deployment's owner (one call of the allowance counted before
   * any node sees the request; the owner pays the nodes, as for its own calls).
   */
  async infer(caller: string, id: string, body: Buffer, call?: PaidCall, wire: InferWire = { contentType: 'application/json' }): Promise<InferAnswer> {
    const target = await this.target(id)
    if (target === undefined) throw new W3aiError('DEPLOYMENT_NOT_FOUND')
    if (target.row.owner !== caller) await this.checkPaidCall(caller, target.row, call)
    if (target.row.status !== 'active') throw new W3aiError('DEPLOYMENT_INVALID_STATE', `Deployment ${id} is ${target.row.status}.`)
    const ready = target.replicas.filter((r) => r.state === 'ready' && r.nodeStatus === 'online' && r.endpoint !== '')
    if (ready.length === 0) throw new W3aiError('DEPLOYMENT_NOT_READY')
    if (target.row.owner !== caller) await this.c.market!.consumeCall(call!.orderId, call!.requestId)
    const ordered = ready.map((r) => ({ r, load: (this.inflight.get(r.nodeId) ?? 0) + Math.random() * 0.5 })).sort((a, b) => a.load - b.load)
    // Held before any node sees the request; paid to the node that answers, released otherwise.
    const hold = await this.c.billing?.hold(target.row.owner, id, ready.map((r) => r.nodeId))
    let answeredBy: string | undefined
    try {
      return await this.tryReplicas(id, body, wire, ordered.map((o) => o.r), (nodeId) => (answeredBy = nodeId))
    } finally {
      await this.c.billing?.close(hold, answeredBy)
    }
  }

  /**
   * A direct ticket: lets the deployment's owner call one ready replica (the least busy) without
   * this hub, signed with the network key the nodes know. Calls paid from an order, and calls the
   * hub bills (billing on), are counted here per call, so they get no ticket (TICKET_REFUSED).
   */
  async ticket(caller: string, callerKey: string, id: string, request: TicketRequest, paid: boolean): Promise<TicketGrant> {
    if (paid) throw new W3aiError('TICKET_REFUSED', 'Calls paid from an order are counted by the hub one by one: send them through the hub (without a ticket).')
    const target = await this.target(id)
    if (target === undefined || target.row.owner !== caller) throw new W3aiError('DEPLOYMENT_NOT_FOUND')
    if (this.c.billing !== undefined) throw new W3aiError('TICKET_REFUSED', 'This hub bills every inference call as it passes: send calls through the hub.')
    if (target.row.status !== 'active') throw new W3aiError('DEPLOYMENT_INVALID_STATE', `Deployment ${id} is ${target.row.status}.`)
    const ready = target.replicas.filter((r) => r.state === 'ready' && r.nodeStatus === 'online' && r.endpoint !== '')
    if (ready.length === 0) throw new W3aiError('DEPLOYMENT_NOT_READY')
    const replica = ready.map((r) => ({ r, load: (this.inflight.get(r.nodeId) ?? 0) + Math.random() * 0.5 })).sort((a, b) => a.load - b.load)[0]!.r
    const body: Omit<ServingTicket, 'signature'> = {
      v: 1,
      id: `t_${randomBytes(12).toString('hex')}`,
      deployment: id,
      node: replica.nodeId,
      caller: callerKey,
      expiresAt: Date.now() + (request.ttlSeconds ?? TICKET_DEFAULTS.ttlSeconds) * 1000,
      calls: request.calls ?? TICKET_DEFAULTS.calls,
    }
    const ticket: ServingTicket = { ...body, signature: signObject(this.c.networkKey, body) }
    return {
      ticket: Buffer.from(JSON.stringify(ticket)).toString('base64url'),
      deploymentId: id,
      nodeId: replica.nodeId,
      endpoint: replica.endpoint,
      expiresAt: new Date(body.expiresAt).toISOString(),
      calls: body.calls,
    }
  }

  /** A caller other than the owner needs a per-call order of theirs for this deployment's model, sold by its owner. */
  private async checkPaidCall(caller: string, row: { owner: string; model: string }, call: PaidCall | undefined): Promise<void> {
    if (call === undefined || this.c.market === undefined) throw new W3aiError('DEPLOYMENT_NOT_FOUND')
    const order = await this.c.market.order(caller, call.orderId)
    if (order.buyer !== caller) throw new W3aiError('MARKET_ORDER_NOT_FOUND', `No order ${call.orderId} of yours.`)
    if (order.mode !== 'per-call' || order.seller !== row.owner || order.cid !== row.model) {
      throw new W3aiError('MARKET_INVALID_STATE', `Order ${call.orderId} (${order.mode}) pays for no calls of this deployment.`, { mode: order.mode })
    }
  }

  /** Forwards to the replicas in order until one answers below 500; `answered` names a node that answered 2xx. */
  private async tryReplicas(id: string, body: Buffer, wire: InferWire, ordered: ReplicaRow[], answered: (nodeId: string) => void): Promise<InferAnswer> {
    const failures: Array<{ nodeId: string; reason: string }> = []
    for (const r of ordered.slice(0, MAX_TRIES)) {
      const started = performance.now()
      this.inflight.set(r.nodeId, (this.inflight.get(r.nodeId) ?? 0) + 1)
      try {
        const answer = await this.forward(r, id, body, wire)
        if (answer.status < 500) {
          if (answer.status < 300) answered(r.nodeId)
          this.c.router?.outcome(r.nodeId, true, performance.now() - started)
          this.tally(id, answer.status >= 400)
          return answer
        }
        failures.push({ nodeId: r.nodeId, reason: `HTTP ${answer.status}: ${answer.body.toString('utf8').slice(0, 300)}` })
      } catch (err) {
        failures.push({ nodeId: r.nodeId, reason: (err as Error).message })
        this.cache.delete(id)
      } finally {
        this.inflight.set(r.nodeId, (this.inflight.get(r.nodeId) ?? 1) - 1)
      }
      this.c.router?.outcome(r.nodeId, false)
    }
    this.tally(id, true)
    throw new W3aiError('INFERENCE_FAILED', undefined, { tried: failures })
  }

  /** One request to a serving node over a kept-alive connection; the body is sent as the client sent it. */
  private forward(replica: ReplicaRow, id: string, body: Buffer, wire: InferWire): Promise<InferAnswer> {
    const path = `/v1/serve/${id}`
    const url = new URL(path, replica.endpoint)
    const headers: Record<string, string> = { ...signRequest(this.c.networkKey, 'POST', path, body, wire.digest === undefined ? {} : { digest: wire.digest }), 'content-type': wire.contentType, 'content-length': String(body.length) }
    if (wire.accept !== undefined) headers.accept = wire.accept
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', headers, agent: this.agent, timeout: this.c.requestTimeoutMs }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        const timing = res.headers['server-timing']
        const contentType = res.headers['content-type'] ?? 'application/json; charset=utf-8'
        res.on('end', () => resolve({ status: res.statusCode ?? 502, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), contentType, nodeId: replica.nodeId, ...(typeof timing === 'string' ? { timing } : {}) }))
        res.on('error', reject)
      })
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.c.requestTimeoutMs} ms`)))
      req.on('error', reject)
      req.end(body)
    })
  }

  private async target(id: string): Promise<{ row: DeploymentRow; replicas: ReplicaRow[] } | undefined> {
    const hit = this.cache.get(id)
    if (hit !== undefined && Date.now() - hit.at < this.c.cacheMs) return hit
    const row = await this.c.store.get(id)
    if (row === undefined) return undefined
    const entry = { at: Date.now(), row, replicas: await this.c.store.replicas(id) }
    this.cache.set(id, entry)
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string)
    return entry
  }

  private async owned(owner: string, id: string): Promise<DeploymentRow> {
    const row = await this.c.store.get(id)
    if (row === undefined || row.owner !== owner) throw new W3aiError('DEPLOYMENT_NOT_FOUND')
    return row
  }

  private changed(id: string): void {
    this.cache.delete(id)
    this.c.announce(id)
  }

  private tally(id: string, failed: boolean): void {
    const p = this.pending.get(id) ?? { requests: 0, failures: 0 }
    p.requests++
    if (failed) p.failures++
    this.pending.set(id, p)
  }

  private async flush(): Promise<void> {
    const batch = [...this.pending]
    this.pending.clear()
    for (const [id, p] of batch) {
      await this.c.store.count(id, p.requests, p.failures).catch(this.c.onError)
    }
  }
}

/** A replica that serves or may still: loaded or loading, on a node that is not offline. */
function isLive(r: ReplicaRow): boolean {
  return (r.state === 'ready' || r.state === 'assigned') && r.nodeStatus !== 'offline'
}
