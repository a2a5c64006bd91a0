/**
 * Federated learning from the owner's side (start a training over node datasets, follow its
 * rounds, stop and resume it, fetch the final parameters and record the stored model) and from
 * the node's side (claim work for local datasets, fetch its parameters, answer it).
 *
 * ```ts
 * const fl = new FederatedClient(hub)
 * const t = await fl.create({ model: spec, datasets: ['digits-0', 'digits-1'], evaluation: { dataset: 'digits-test' }, rounds: 10 })
 * const done = await fl.wait(t.id, { onUpdate: (t) => console.log(t.rounds.at(-1)) })
 * ```
 */
import {
  W3aiError,
  type DatasetList,
  type DatasetListQuery,
  type FlClaim,
  type FlConfig,
  type FlGlobalParameters,
  type FlOwnerAggregate,
  type FlOwnerGlobal,
  type FlParameters,
  type FlTraining,
  type FlTrainingList,
  type FlTrainingSummary,
  type FlWork,
  type FlWorkReply,
  type HubEvent,
  type PageQuery,
} from '@w3ai/protocol'
import type { EventsOptions, HubClient, Signer } from './client.js'
import { decodeParameters } from './federated-params.js'
import { followPages, listPage, pageQuery, type ListPage } from './paging.js'
import { whileUnreachable, type FollowOptions } from './retry.js'

export interface FlWaitOptions {
  /** Between polls, in ms, when no event arrives (default 1000). */
  intervalMs?: number
  /** Give up after this long, in ms (default 1 hour); the training goes on. */
  timeoutMs?: number
  /** Told of every change (a new round, a status change). */
  onUpdate?: (training: FlTraining) => void
  /** While the hub is unreachable the wait goes on following until its deadline. */
  follow?: FollowOptions
  /** Listen to the hub's event stream to see rounds as they end (default true). */
  events?: boolean
}

const TERMINAL = new Set(['succeeded', 'failed', 'stopped'])
const path = (id: string, rest = ''): string => `/v1/fl/trainings/${encodeURIComponent(id)}${rest}`

export class FederatedClient {
  constructor(private readonly hub: HubClient) {}

  /** Starts a training; with `idempotencyKey` set, sending it again (say, after a lost answer) makes no second one. */
  create(config: FlConfig): Promise<FlTraining> {
    return this.hub.request<FlTraining>('POST', '/v1/fl/trainings', config, config.idempotencyKey === undefined ? {} : { idempotent: true })
  }

  get(id: string): Promise<FlTraining> {
    return this.hub.request<FlTraining>('GET', path(id))
  }

  /** One page of your trainings, newest first, as summaries (`get` has a training's config, clients and rounds). */
  async list(query: PageQuery = {}): Promise<ListPage<FlTrainingSummary>> {
    const r = await this.hub.request<FlTrainingList>('GET', '/v1/fl/trainings', undefined, { query: pageQuery(query) })
    return listPage(r.trainings, r.nextCursor)
  }

  /** Every training of yours, newest first: `for await (const t of fl.all())`. */
  all(query: PageQuery = {}): AsyncGenerator<FlTrainingSummary, void, undefined> {
    return followPages((q) => this.list(q), query)
  }

  stop(id: string): Promise<FlTraining> {
    return this.hub.request<FlTraining>('POST', path(id, '/stop'))
  }

  resume(id: string): Promise<FlTraining> {
    return this.hub.request<FlTraining>('POST', path(id, '/resume'))
  }

  /** The global parameters after the last finished round, as float32 tensors. */
  async parameters(id: string): Promise<{ round: number; parameters: Float32Array[] }> {
    const r = await this.hub.request<FlGlobalParameters>('GET', path(id, '/parameters'))
    return { round: r.round, parameters: decodeParameters(r.parameters) }
  }

  /** Under ckks: the encrypted sum of the round that waits for you (decrypt it with your secret key). */
  aggregate(id: string): Promise<FlOwnerAggregate> {
    return this.hub.request<FlOwnerAggregate>('GET', path(id, '/aggregate'))
  }

  /** Under ckks: the next global parameters sealed with your model key, and that key wrapped to the training's nodes. */
  publishGlobal(id: string, global: FlOwnerGlobal): Promise<void> {
    return this.hub.request('POST', path(id, '/global'), global)
  }

  /** Records the ONNX model you stored in W3S from this training. */
  setModel(id: string, cid: string): Promise<FlTraining> {
    return this.hub.request<FlTraining>('POST', path(id, '/model'), { cid })
  }

  /** Datasets nodes offer (name, schema, rows), by name then node. */
  async datasets(query: DatasetListQuery = {}): Promise<ListPage<DatasetList['datasets'][number]>> {
    const r = await this.hub.request<DatasetList>('GET', '/v1/datasets', undefined, { query: { ...query } })
    return listPage(r.datasets, r.nextCursor)
  }

  /**
   * Calls `onEvent` for every event about your trainings (a round ended, a status changed) until
   * the returned function is called. Needs a client with an identity.
   */
  follow(onEvent: (event: Extract<HubEvent, { type: 'fl.updated' }>) => void, options: EventsOptions = {}): () => void {
    return this.hub.events((message) => {
      if (message.type === 'fl.updated') onEvent(message)
    }, { reconnect: true, ...options })
  }

  /**
   * Follows a training until it ends (succeeded, failed or stopped) or `timeoutMs` passes,
   * reporting every new round: events wake it at once, polls catch what events missed.
   */
  async wait(id: string, options: FlWaitOptions = {}): Promise<FlTraining> {
    const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000)
    let wake: (() => void) | undefined
    const unsubscribe = options.events === false ? () => undefined : this.follow((e) => e.trainingId === id && wake?.())
    let last = ''
    try {
      for (;;) {
        const training = await whileUnreachable(() => this.get(id), deadline, options.follow)
        const stamp = `${training.status}:${training.rounds.length}:${training.modelCid ?? ''}:${training.awaitingOwner ?? ''}`
        if (stamp !== last) options.onUpdate?.(training)
        last = stamp
        if (TERMINAL.has(training.status)) return training
        if (Date.now() > deadline) throw new W3aiError('FL_INVALID_STATE', `Training ${id} is still ${training.status} after the wait.`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.intervalMs ?? 1000)
          wake = () => {
            clearTimeout(timer)
            resolve()
          }
        })
      }
    } finally {
      unsubscribe()
    }
  }
}

/** The node's side: claim federated work for local datasets, fetch its parameters, answer it; each request signed by the node. */
export class FederatedWorkClient {
  constructor(
    private readonly hub: HubClient,
    private readonly node: Signer,
  ) {}

  async claim(body: FlClaim): Promise<FlWork[]> {
    return (await this.hub.request<{ work: FlWork[] }>('POST', '/v1/fl/work/claim', body, { as: this.node })).work
  }

  /** The parameters the work starts from, or with `digest` one of the models its message names (a decentralized silo's neighbours). */
  async parameters(workId: string, digest?: string): Promise<Float32Array[]> {
    const r = await this.hub.request<{ parameters: FlParameters }>('GET', `/v1/fl/work/${encodeURIComponent(workId)}/parameters`, undefined, { as: this.node, ...(digest === undefined ? {} : { query: { digest } }) })
    return decodeParameters(r.parameters)
  }

  /** Answers once; answering again (after a lost connection) is FL_WORK_LOST, which means the first answer arrived or the round ended. */
  reply(workId: string, reply: FlWorkReply): Promise<void> {
    return this.hub.request('POST', `/v1/fl/work/${encodeURIComponent(workId)}/reply`, reply, { as: this.node })
  }
}
