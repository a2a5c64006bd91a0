/**
 * Model serving from the client side (deploy a stored model, wrap its key to the chosen nodes,
 * wait until it is ready, run inference through the hub) and from the node side (what to load,
 * and reporting that it loaded).
 */
import { unwrapKey, wrapKey, type Identity } from '@w3ai/crypto'
import {
  decodeTensorFrame,
  IDEMPOTENCY_HEADER,
  isTensorFrameType,
  TENSOR_FRAME_TYPE,
  TICKET_HEADER,
  W3aiError,
  type FrameTensor,
  type TicketGrant,
  type TicketRequest,
  type Deployment,
  type DeploymentCandidates,
  type DeploymentCreate,
  type DeploymentList,
  type InferResponse,
  type ObjectDetail,
  type PageQuery,
  type ServingAssignment,
  type ServingState,
  type TaskInput,
} from '@w3ai/protocol'
import { HubClient } from './client.js'
import { inputsFrame, plainValues } from './serving-wire.js'
import { newIdempotencyKey } from './market.js'
import { followPages, listPage, pageQuery, type ListPage } from './paging.js'
import { whileUnreachable, type FollowOptions } from './retry.js'

export interface WaitReadyOptions {
  /** Between polls, in ms (default 250). */
  intervalMs?: number
  /** Give up after this long, in ms (default 5 minutes). */
  timeoutMs?: number
  /** Told of every change. */
  onUpdate?: (d: Deployment) => void
  /** While the hub is unreachable the wait goes on following until its deadline: how (backoff, onUnreachable). */
  follow?: FollowOptions
}

type Typed = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array

/**
 * Tensors by input name: `{ type: 'float32', dims: [1, 4], data }` with data row-major, as an array,
 * a typed array (sent as base64 of its bytes: compact and fast for large inputs), or that base64 string.
 */
export type TensorMap = Record<string, { type: string; dims: number[]; data: Array<number | string | boolean> | Typed | string }>

/** Typed arrays become base64 strings of their bytes; everything else is sent as is. */
export function encodeTensors(inputs: TensorMap): Record<string, { type: string; dims: number[]; data: Array<number | string | boolean> | string }> {
  const out: Record<string, { type: string; dims: number[]; data: Array<number | string | boolean> | string }> = {}
  for (const [name, t] of Object.entries(inputs)) {
    out[name] = ArrayBuffer.isView(t.data) ? { type: t.type, dims: t.dims, data: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64') } : { type: t.type, dims: t.dims, data: t.data }
  }
  return out
}

/** The header naming the per-call market order a call is paid from. */
export const MARKET_ORDER_HEADER = 'x-w3ai-order'

export interface InferOptions {
  /**
   * A per-call market order of yours: calls the seller's deployment of the model you bought, one
   * call of the allowance each (MARKET_ALLOWANCE_EXHAUSTED once used up).
   */
  order?: string
  /**
   * With `order`: names the call, so sending it again (a retry after a lost answer) counts once.
   * Default: a fresh key made here, so the client's own retries count once.
   */
  idempotencyKey?: string
  /**
   * Call the serving node directly with a hub-signed ticket (fetched once and kept while it lasts):
   * the lowest latency, your own deployments only (TICKET_REFUSED with `order` or when the hub bills calls).
   */
  direct?: boolean
  /** How tensors travel: 'binary' frames (default; inputs a frame cannot carry go as JSON) or 'json'. */
  wire?: 'binary' | 'json'
}

/** An answer whose outputs stay typed arrays (inferTensors). */
export interface TensorResponse {
  outputs: Record<string, FrameTensor>
  nodeId: string
  runMs: number
}

/** A ticket kept for direct calls, and the client that sends them to its node. */
interface HeldTicket {
  grant: TicketGrant
  node: HubClient
  expiresAt: number
}

/** A ticket is renewed this long before it expires, so a call never carries one about to lapse. */
const TICKET_MARGIN_MS = 5_000

export class DeploymentsClient {
  private readonly tickets = new Map<string, HeldTicket>()

  constructor(
    private readonly hub: HubClient,
    private readonly identity: Identity,
  ) {}

  /** Deploys a stored ONNX model: the model key is re-wrapped to the serving nodes, and to no one else. */
  async create(body: DeploymentCreate): Promise<Deployment> {
    return this.wrapTo(await this.hub.request<DeploymentCandidates>('POST', '/v1/deployments', body))
  }

  /** Replaces replicas lost with their nodes: the model key is wrapped to new nodes the hub chose. */
  async heal(id: string): Promise<Deployment> {
    return this.wrapTo(await this.hub.request<DeploymentCandidates>('POST', `/v1/deployments/${encodeURIComponent(id)}/replicas`))
  }

  private async wrapTo(answer: DeploymentCandidates): Promise<Deployment> {
    const detail = await this.hub.request<ObjectDetail>('GET', `/v1/storage/objects/${answer.model}`)
    const objectKey = unwrapKey(detail.wrappedKey, this.identity)
    try {
      const keys = answer.candidates.map((c) => ({ nodeId: c.nodeId, wrappedKey: wrapKey(objectKey, c.encryptionKey) }))
      return await this.hub.request<Deployment>('POST', `/v1/deployments/${answer.deploymentId}/keys`, { keys })
    } finally {
      objectKey.fill(0)
    }
  }

  get(id: string): Promise<Deployment> {
    return this.hub.request<Deployment>('GET', `/v1/deployments/${encodeURIComponent(id)}`)
  }

  /** One page of your deployments, newest first (`limit` 1..500, default 100; `cursor` from the previous page's `nextCursor`). */
  async list(query: PageQuery = {}): Promise<ListPage<Deployment>> {
    const r = await this.hub.request<DeploymentList>('GET', '/v1/deployments', undefined, { query: pageQuery(query) })
    return listPage(r.deployments, r.nextCursor)
  }

  /** Every deployment of yours, newest first, following the cursors page by page. */
  all(query: PageQuery = {}): AsyncGenerator<Deployment, void, undefined> {
    return followPages((q) => this.list(q), query)
  }

  stop(id: string): Promise<Deployment> {
    return this.hub.request<Deployment>('POST', `/v1/deployments/${encodeURIComponent(id)}/stop`)
  }

  /**
   * Runs inference on a ready replica, through the hub or (`direct`) straight to its node with a
   * ticket; tensors travel as binary frames unless `wire: 'json'`. Your own deployment, or with
   * `order` the seller's deployment of a model you bought per call. Outputs come as plain arrays.
   */
  async infer(id: string, inputs: TensorMap, options: InferOptions = {}): Promise<InferResponse> {
    const answer = await this.call(id, inputs, options)
    if (!('frame' in answer)) return answer.json
    const outputs: InferResponse['outputs'] = {}
    for (const [name, t] of Object.entries(answer.frame.outputs)) outputs[name] = { type: t.type, dims: t.dims, data: plainValues(t) }
    return { outputs, nodeId: answer.frame.nodeId, runMs: answer.frame.runMs }
  }

  /** As `infer`, with the outputs as typed arrays (no per-value conversion: the fastest way to read large outputs). */
  async inferTensors(id: string, inputs: TensorMap, options: Omit<InferOptions, 'wire'> = {}): Promise<TensorResponse> {
    const answer = await this.call(id, inputs, options)
    if ('frame' in answer) return answer.frame
    const outputs: Record<string, FrameTensor> = {}
    for (const [name, t] of Object.entries(answer.json.outputs)) {
      const frame = inputsFrame({ [name]: t })
      if (frame === undefined) throw new W3aiError('VALIDATION_FAILED', `Output "${name}" (${t.type}) has no typed-array form; use infer().`)
      outputs[name] = decodeTensorFrame(frame).tensors[name]!
    }
    return { outputs, nodeId: answer.json.nodeId, runMs: answer.json.runMs }
  }

  /**
   * A direct ticket for one of your deployments: where to call (a ready node) and the header
   * value that lets you (this identity) call it there, `calls` times until it expires.
   */
  ticket(id: string, request: TicketRequest = {}, options: Pick<InferOptions, 'order'> = {}): Promise<TicketGrant> {
    const headers = options.order === undefined ? {} : { headers: { [MARKET_ORDER_HEADER]: options.order } }
    return this.hub.request<TicketGrant>('POST', `/v1/deployments/${encodeURIComponent(id)}/tickets`, request, headers)
  }

  private async call(id: string, inputs: TensorMap, options: InferOptions): Promise<{ frame: TensorResponse } | { json: InferResponse }> {
    const frame = options.wire === 'json' ? undefined : inputsFrame(inputs)
    if (options.direct !== true) {
      const paid =
        options.order === undefined
          ? {}
          : { idempotent: true, headers: { [MARKET_ORDER_HEADER]: options.order, [IDEMPOTENCY_HEADER]: options.idempotencyKey ?? newIdempotencyKey() } }
      return this.send(this.hub, `/v1/deployments/${encodeURIComponent(id)}/infer`, inputs, frame, paid)
    }
    for (let fresh = false; ; fresh = true) {
      const held = await this.heldTicket(id, options, fresh)
      try {
        return await this.send(held.node, `/v1/serve/${encodeURIComponent(id)}`, inputs, frame, { headers: { [TICKET_HEADER]: held.grant.ticket } })
      } catch (err) {
        // A ticket used up or lapsed (another client of the same key, a clock apart) is renewed once.
        const renew = err instanceof W3aiError && (err.code === 'TICKET_EXHAUSTED' || err.code === 'TICKET_EXPIRED')
        if (!renew || fresh) throw err
        this.tickets.delete(id)
      }
    }
  }

  private async heldTicket(id: string, options: InferOptions, fresh: boolean): Promise<HeldTicket> {
    const held = this.tickets.get(id)
    // A call paid from an order always asks the hub (which refuses it a ticket): it must be counted there.
    if (!fresh && options.order === undefined && held !== undefined && held.expiresAt - TICKET_MARGIN_MS > Date.now()) return held
    const grant = await this.ticket(id, {}, options)
    const node = new HubClient({ url: grant.endpoint, ...(this.hub.identity === undefined ? {} : { identity: this.hub.identity }), timeoutMs: 120_000 })
    const next = { grant, node, expiresAt: Date.parse(grant.expiresAt) }
    this.tickets.set(id, next)
    return next
  }

  /** One call to `path` on `to` (the hub or a node): a frame when there is one, else JSON. */
  private async send(to: HubClient, path: string, inputs: TensorMap, frame: Uint8Array | undefined, options: { idempotent?: boolean; headers?: Record<string, string> }): Promise<{ frame: TensorResponse } | { json: InferResponse }> {
    if (frame === undefined) return { json: await to.request<InferResponse>('POST', path, { inputs: encodeTensors(inputs) }, options) }
    const answer = await to.requestBytes('POST', path, { contentType: TENSOR_FRAME_TYPE, body: frame }, { ...options, headers: { ...options.headers, accept: TENSOR_FRAME_TYPE } })
    if (!isTensorFrameType(answer.contentType)) return { json: JSON.parse(Buffer.from(answer.body).toString('utf8')) as InferResponse }
    const decoded = decodeTensorFrame(answer.body)
    return { frame: { outputs: decoded.tensors, nodeId: String(decoded.meta.nodeId ?? ''), runMs: Number(decoded.meta.runMs ?? 0) } }
  }

  /**
   * Polls until every replica serves (`ready`), reporting each change; fails if the deployment
   * fails or stops. A hub that goes away meanwhile is waited for until the deadline.
   */
  async waitReady(id: string, options: WaitReadyOptions = {}): Promise<Deployment> {
    const deadline = Date.now() + (options.timeoutMs ?? 5 * 60_000)
    let last = ''
    for (;;) {
      const d = await whileUnreachable(() => this.get(id), deadline, options.follow)
      const stamp = `${d.status}:${d.replicas.map((r) => r.state).join(',')}`
      if (stamp !== last) options.onUpdate?.(d)
      last = stamp
      if (d.status === 'ready') return d
      if (d.status === 'failed' || d.status === 'stopped') {
        const reason = d.replicas.find((r) => r.error !== null)?.error
        throw new W3aiError('DEPLOYMENT_INVALID_STATE', `Deployment ${id} is ${d.status}${reason === undefined || reason === null ? '' : `: ${reason.code}: ${reason.message}`}.`, { replicas: d.replicas })
      }
      if (Date.now() > deadline) throw new W3aiError('DEPLOYMENT_NOT_READY', `Deployment ${id} is still ${d.status} after the wait.`)
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 250))
    }
  }
}

/** The node's side: which models to keep loaded, and reports on loading them (signed by the node). */
export class ServingNodeClient {
  constructor(
    private readonly hub: HubClient,
    private readonly node: Identity,
  ) {}

  async assignments(): Promise<ServingAssignment[]> {
    return (await this.hub.request<{ assignments: ServingAssignment[] }>('GET', '/v1/serving/assignments', undefined, { as: this.node })).assignments
  }

  /** The model of a deployment this node serves, as a task input it can open. */
  model(deploymentId: string): Promise<TaskInput> {
    return this.hub.request<TaskInput>('GET', `/v1/serving/${encodeURIComponent(deploymentId)}/model`, undefined, { as: this.node })
  }

  report(deploymentId: string, state: ServingState): Promise<void> {
    return this.hub.request('POST', `/v1/serving/${encodeURIComponent(deploymentId)}/state`, state, { as: this.node })
  }
}
