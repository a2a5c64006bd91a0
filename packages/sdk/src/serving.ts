/**
 * Model serving from the client side (deploy a stored model, wrap its key to the chosen nodes,
 * wait until it is ready, run inference through the hub) and from the node side (what to load,
 * and reporting that it loaded).
 */
import { unwrapKey, wrapKey, type Identity } from '@w3ai/crypto'
import {
  IDEMPOTENCY_HEADER,
  W3aiError,
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
import type { HubClient } from './client.js'
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
}

export class DeploymentsClient {
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
   * Runs inference through the hub on a ready replica; typed-array data travels as base64. Your
   * own deployment, or with `order` the seller's deployment of a model you bought per call.
   */
  infer(id: string, inputs: TensorMap, options: InferOptions = {}): Promise<InferResponse> {
    const paid =
      options.order === undefined
        ? {}
        : { idempotent: true, headers: { [MARKET_ORDER_HEADER]: options.order, [IDEMPOTENCY_HEADER]: options.idempotencyKey ?? newIdempotencyKey() } }
    return this.hub.request<InferResponse>('POST', `/v1/deployments/${encodeURIComponent(id)}/infer`, { inputs: encodeTensors(inputs) }, paid)
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
