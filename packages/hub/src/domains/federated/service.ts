/**
 * Federated trainings: the rules for creating one (config, datasets, clients), what owners may
 * see and do (list, view, stop, resume, fetch the final parameters, record the stored model), and
 * the nodes' side (claim work for their datasets, fetch its parameters, answer it).
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  W3aiError,
  type FlClaim,
  type FlConfig,
  type FlGlobalParameters,
  type FlOwnerAggregate,
  type FlOwnerGlobal,
  type FlParameters,
  type FlTraining,
  type FlTopology,
  type FlTrainingList,
  type FlTrainingSummary,
  type HubEvent,
  type FlWork,
  type FlWorkReply,
  type PageQuery,
} from '@w3ai/protocol'
import { encodeParameters } from '@w3ai/sdk'
import { Lru } from '@w3ai/util'
import type { DatasetStore } from './dataset-store.js'
import { cycleTime, type Topology } from '@w3ai/federated'
import { checkParams } from '@w3ai/crypto/ckks'
import { matchDatasets, resolveConfig, strategyOf, type ResolvedConfig } from './config.js'
import { siloTopology, topologySettings } from './decentralized.js'
import type { TrainingRecord, TrainingStore, TrainingSummaryRecord } from './store.js'
import type { WorkRecord, WorkStore } from './work-store.js'
import type { OwnerRoundStore } from './owner-store.js'

/** Who owns a stored object (the model a training produced must be the owner's). */
export type ObjectOwner = (cid: string) => Promise<string | undefined>

export interface FederatedServiceComponents {
  trainings: TrainingStore
  work: WorkStore
  owner: OwnerRoundStore
  datasets: DatasetStore
  objectOwner: ObjectOwner
  /** A training was created or resumed (the coordinator looks at once). */
  wake: () => void
  /** A node answered a piece of work (waiting rounds look at once). */
  answered: () => void
  /** The hub's event bus: owners hear of trainings they create, stop, resume or store a model of. */
  publish: (event: HubEvent) => void
}

const newTrainingId = (): string => `fl_${randomBytes(12).toString('hex')}`

/** secure: ckks needs the owner's public key, with parameters SEAL accepts. */
function checkCkksKey(config: FlConfig): void {
  if (config.ckksPublicKey === undefined) throw new W3aiError('FL_BAD_CONFIG', 'secure: ckks needs ckksPublicKey: the owner\'s CKKS public key (`w3ai fl run` makes one and keeps the secret key).', { field: 'ckksPublicKey' })
  try {
    checkParams(config.ckksPublicKey.params)
  } catch (err) {
    throw new W3aiError('FL_BAD_CONFIG', `ckksPublicKey.params: ${(err as Error).message}`, { field: 'ckksPublicKey.params' })
  }
}

const summaryOf = (r: TrainingSummaryRecord): FlTrainingSummary => ({
  id: r.id,
  name: r.name,
  status: r.status,
  mode: r.mode === 'decentralized' ? 'decentralized' : 'central',
  secure: r.secure === 'secagg+' || r.secure === 'ckks' ? r.secure : 'none',
  strategy: r.strategy ?? 'fedavg',
  dp: r.dp,
  round: r.round,
  roundsPlanned: r.roundsPlanned,
  clientCount: r.clientCount,
  accuracy: r.accuracy,
  loss: r.loss,
  modelCid: r.modelCid,
  error: r.error,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
  finishedAt: r.finishedAt,
})

export class FederatedService {
  /** Resolved configs of trainings nodes are working for (they never change). */
  private readonly resolved = new Lru<string, { record: TrainingRecord; config: ResolvedConfig }>({ maxEntries: 1000 })
  /** Decentralized trainings' topologies with their cycle time, by training (a topology never changes). */
  private readonly topologies = new Lru<string, FlTopology>({ maxEntries: 1000 })

  constructor(private readonly c: FederatedServiceComponents) {}

  /** Creates a training (or, with an idempotency key already used, answers the training it made). */
  async create(owner: string, body: FlConfig): Promise<{ training: FlTraining; created: boolean }> {
    const { idempotencyKey, ...config } = body
    const resolved = resolveConfig(config)
    if (resolved.secure === 'ckks') {
      checkCkksKey(config)
      if (config.dp !== undefined) throw new W3aiError('FL_BAD_CONFIG', 'dp with secure: ckks is not supported yet (the noise would have to be added by your client); use secagg+ with dp.side "client".', { field: 'dp' })
    }
    else if (config.ckksPublicKey !== undefined) throw new W3aiError('FL_BAD_CONFIG', 'ckksPublicKey is for secure: ckks.', { field: 'ckksPublicKey' })
    if (resolved.mode === 'decentralized' && (resolved.secure !== 'none' || config.dp !== undefined)) {
      throw new W3aiError('FL_BAD_CONFIG', 'A decentralized training has no aggregator to aggregate securely or add noise: leave out secure and dp.', { field: 'mode' })
    }
    if (resolved.mode === 'central' && config.topology !== undefined) throw new W3aiError('FL_BAD_CONFIG', 'topology is for mode: decentralized.', { field: 'topology' })
    const settings = resolved.mode === 'decentralized' ? topologySettings(config) : undefined
    const holders = await this.c.datasets.holders([...config.datasets, ...(resolved.evaluation === undefined ? [] : [resolved.evaluation])])
    const { clients, evaluators, classes } = matchDatasets(config, resolved, holders)
    let topology: Topology | undefined
    if (settings !== undefined) topology = siloTopology(clients, await this.c.trainings.nodeLocations(clients.map((c) => c.nodeId)), settings)
    // The strategy's own sampling rule says whether there are enough clients at all.
    else strategyOf(config).configureTrain(1, [], { ids: clients.map((c) => c.id) }, () => 0.5)
    const requestDigest = createHash('sha256').update(JSON.stringify(config)).digest('hex')
    const out = await this.c.trainings.create({ id: newTrainingId(), owner, name: config.name ?? null, config, clients, evaluators, classes, topology, idempotencyKey, requestDigest })
    if (!out.created && out.requestDigest !== requestDigest) {
      throw new W3aiError('VALIDATION_FAILED', `Idempotency key ${idempotencyKey} was used for another configuration (training ${out.record.id}); use a new key.`, { trainingId: out.record.id })
    }
    if (out.created) {
      this.c.wake()
      this.announce(out.record.id, 0, 'running')
    }
    return { training: await this.view(owner, out.record.id), created: out.created }
  }

  private async owned(owner: string, id: string): Promise<TrainingRecord> {
    const record = await this.c.trainings.get(id)
    if (record === undefined || record.owner !== owner) throw new W3aiError('FL_TRAINING_NOT_FOUND')
    return record
  }

  private async withRounds(records: TrainingRecord[]): Promise<FlTraining[]> {
    const rounds = await this.c.trainings.rounds(records.map((r) => r.id))
    const awaiting = await Promise.all(records.map(async (r) => (r.config.secure === 'ckks' && r.status === 'running' && (await this.c.owner.waiting(r.id, r.round + 1)) !== undefined ? r.round + 1 : null)))
    return records.map((r, i) => ({
      id: r.id,
      owner: r.owner,
      name: r.name,
      status: r.status,
      config: r.config,
      clients: r.clients,
      evaluators: r.evaluators,
      round: r.round,
      rounds: rounds.get(r.id) ?? [],
      // Under ckks only the owner's client holds the trained parameters.
      modelReady: r.hasCheckpoint && r.round > 0 && r.config.secure !== 'ckks',
      modelCid: r.modelCid,
      awaitingOwner: awaiting[i] ?? null,
      ...(r.topology === null ? {} : { topology: this.topologyOf(r.id, r.topology) }),
      error: r.error,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      finishedAt: r.finishedAt,
    }))
  }

  async view(owner: string, id: string): Promise<FlTraining> {
    const [training] = await this.withRounds([await this.owned(owner, id)])
    return training as FlTraining
  }

  /** The topology as owners see it: as built, with its cycle time (left out if it cannot be computed). */
  private topologyOf(id: string, topology: Topology): FlTopology {
    const known = this.topologies.get(id)
    if (known !== undefined) return known
    let cycleTimeMs: number | undefined
    try {
      cycleTimeMs = cycleTime(topology).cycleTimeMs
    } catch {
      cycleTimeMs = undefined
    }
    const out: FlTopology = { ...topology, ...(cycleTimeMs !== undefined && Number.isFinite(cycleTimeMs) ? { cycleTimeMs } : {}) }
    this.topologies.set(id, out)
    return out
  }

  /** The owner's trainings as summaries (GET …/:id has the config, clients and rounds). */
  async list(owner: string, query: PageQuery): Promise<FlTrainingList> {
    const page = await this.c.trainings.summaries(owner, query)
    return { trainings: page.items.map(summaryOf), nextCursor: page.nextCursor }
  }

  private announce(trainingId: string, round: number, status: string): void {
    this.c.publish({ type: 'fl.updated', trainingId, round, status })
  }

  /** Stops a running training after its last finished round (its checkpoint stays; resume goes on from there). */
  async stop(owner: string, id: string): Promise<FlTraining> {
    await this.owned(owner, id)
    if (!(await this.c.trainings.transition(id, ['running'], 'stopped'))) throw new W3aiError('FL_INVALID_STATE', 'Only a running training can be stopped.')
    await this.c.work.expireTraining(id)
    const training = await this.view(owner, id)
    this.announce(id, training.round, 'stopped')
    return training
  }

  /** Resumes a stopped or failed training at the round after its last finished one. */
  async resume(owner: string, id: string): Promise<FlTraining> {
    const record = await this.owned(owner, id)
    if (record.round >= record.config.rounds && record.hasCheckpoint) throw new W3aiError('FL_INVALID_STATE', `Training ${id} has run all its ${record.config.rounds} rounds.`)
    if (!(await this.c.trainings.transition(id, ['stopped', 'failed'], 'running'))) throw new W3aiError('FL_INVALID_STATE', 'Only a stopped or failed training can be resumed.')
    this.c.wake()
    const training = await this.view(owner, id)
    this.announce(id, training.round, 'running')
    return training
  }

  /** The global parameters after the last finished round (to export the model). */
  async globalParameters(owner: string, id: string): Promise<FlGlobalParameters> {
    const record = await this.owned(owner, id)
    const checkpoint = await this.c.trainings.checkpoint(id)
    // Under ckks the hub only holds the initial model (public: anyone can rebuild it from the config); the owner needs it to start.
    if (checkpoint === undefined || (checkpoint.round === 0 && record.config.secure !== 'ckks')) throw new W3aiError('FL_INVALID_STATE', 'The training has not finished a round yet: there are no trained parameters.')
    return { round: checkpoint.round, parameters: encodeParameters(checkpoint.parameters) }
  }

  /** Under ckks: the encrypted aggregate of the round that waits for the owner. */
  async ownerAggregate(owner: string, id: string): Promise<FlOwnerAggregate> {
    const record = await this.owned(owner, id)
    const waiting = record.status === 'running' ? await this.c.owner.waiting(id, record.round + 1) : undefined
    if (waiting === undefined) throw new W3aiError('FL_INVALID_STATE', `Training ${id} has no encrypted aggregate waiting for you (it is ${record.status}, at round ${record.round}).`)
    return waiting
  }

  /** Under ckks: the owner's sealed parameters for the round that waits (and the model key wrapped to nodes). */
  async publishGlobal(owner: string, id: string, global: FlOwnerGlobal): Promise<void> {
    const record = await this.owned(owner, id)
    if (record.config.secure !== 'ckks') throw new W3aiError('FL_INVALID_STATE', `Training ${id} is not under secure: ckks; its hub aggregates the parameters itself.`)
    const known = new Set([...record.clients, ...record.evaluators].map((c) => c.nodeId))
    const stranger = global.keys?.find((k) => !known.has(k.nodeId))
    if (stranger !== undefined) throw new W3aiError('VALIDATION_FAILED', `Node ${stranger.nodeId} is not a client or evaluator of training ${id}; wrap the model key to its nodes only.`)
    if (!(await this.c.owner.putGlobal(id, global))) throw new W3aiError('FL_INVALID_STATE', `Round ${global.round} of training ${id} does not wait for parameters (it was answered already, or is not the current round).`)
  }

  /** Records the ONNX model the owner stored in W3S (it must be the owner's object). */
  async setModel(owner: string, id: string, cid: string): Promise<FlTraining> {
    await this.owned(owner, id)
    if ((await this.c.objectOwner(cid)) !== owner) throw new W3aiError('STORAGE_OBJECT_NOT_FOUND', `No object ${cid} of yours is stored; upload the model first.`)
    await this.c.trainings.setModel(id, cid)
    const training = await this.view(owner, id)
    this.announce(id, training.round, training.status)
    return training
  }

  // ---- nodes -------------------------------------------------------------------------------

  private async trainingOf(id: string): Promise<{ record: TrainingRecord; config: ResolvedConfig }> {
    const known = this.resolved.get(id)
    if (known !== undefined) return known
    const record = await this.c.trainings.get(id)
    if (record === undefined) throw new W3aiError('FL_WORK_LOST')
    const entry = { record, config: resolveConfig(record.config) }
    this.resolved.set(id, entry)
    return entry
  }

  private async toWork(w: WorkRecord): Promise<FlWork> {
    const { record, config } = await this.trainingOf(w.trainingId)
    return {
      id: w.id,
      trainingId: w.trainingId,
      round: w.round,
      kind: w.kind,
      clientId: w.clientId,
      dataset: w.dataset,
      deadline: w.deadline,
      model: config.spec,
      inputScale: config.inputScale,
      localEpochs: config.localEpochs,
      seed: config.seed,
      ...(record.classes === null ? {} : { classes: record.classes }),
      config: w.config,
      parameters: w.paramsDigest !== null,
      ...(w.message === null || w.message === undefined ? {} : { message: w.message }),
    }
  }

  /** Leases the node's pending work for the datasets it still holds. */
  async claim(nodeId: string, body: FlClaim): Promise<FlWork[]> {
    if (body.datasets.length === 0) return []
    const work = await this.c.work.claim(nodeId, body.datasets, body.capacity ?? 1)
    return Promise.all(work.map((w) => this.toWork(w)))
  }

  /**
   * The parameters a piece of work starts from; with `digest`, one of the models its message names
   * (a decentralized silo's neighbours), and no other.
   */
  async workParameters(nodeId: string, id: string, digest?: string): Promise<FlParameters> {
    const w = await this.c.work.running(nodeId, id)
    const named = ((w.message as { mix?: Array<{ digest?: unknown }> } | null)?.mix ?? []).map((m) => m.digest)
    const wanted = digest ?? w.paramsDigest
    if (wanted === null || (digest !== undefined && !named.includes(digest))) throw new W3aiError('FL_WORK_LOST', 'This work has no such parameters.')
    const stored = await this.c.work.parameters(w.trainingId, wanted)
    if (stored === undefined) throw new W3aiError('FL_WORK_LOST')
    return { sizes: stored.sizes, data: Buffer.from(stored.bytes.buffer, stored.bytes.byteOffset, stored.bytes.byteLength).toString('base64') }
  }

  /** A node's answer; malformed parameters are FL_BAD_UPDATE and leave the work open. */
  async reply(nodeId: string, id: string, reply: FlWorkReply): Promise<void> {
    if (reply.parameters !== undefined) {
      const total = reply.parameters.sizes.reduce((a, b) => a + b, 0)
      if (Buffer.byteLength(reply.parameters.data, 'base64') !== total * 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(reply.parameters.data)) {
        throw new W3aiError('FL_BAD_UPDATE', `The parameters do not hold ${total} float32 values (sizes [${reply.parameters.sizes.join(', ')}]) in base64.`)
      }
    }
    await this.c.work.answer(nodeId, id, reply)
    this.c.answered()
  }

  /** The owner of a training (for the event stream's audience). */
  owner(id: string): Promise<string | undefined> {
    return this.c.trainings.owner(id)
  }
}
