/**
 * The node's federated participant: a claim loop of its own (start/stop, like the task runner)
 * that asks the hub for work on the datasets this node holds, runs each piece in the federated
 * host (TF.js in a sandboxed child process, host.ts) and answers before the work's deadline.
 * Work is keyed to this node because the data is here; it is never retried elsewhere, and a late
 * or lost answer only makes this client a dropout of its round (docs/decisions/0008).
 */
import { readFile } from 'node:fs/promises'
import type { SandboxLimits } from '@w3ai/compute'
import { CLIPPING_NORM_KEY, clipUpdate, NORM_BIT_KEY, normBit } from '@w3ai/federated'
import { MAX_FL_BODY_BYTES, W3aiError, type FlSealedParameters, type FlWork, type FlWorkReply, type WrappedKey } from '@w3ai/protocol'
import { unwrapKey, type Identity } from '@w3ai/crypto'
import type { CkksPublicKey } from '@w3ai/crypto/ckks'
import { encodeParameters, openParameters, type FederatedWorkClient } from '@w3ai/sdk'
import type { Logger } from 'pino'
import type { LocalDataset } from '../datasets.js'
import type { FlClientPayload, FlClientResult, FlDatasetBytes } from './client-task.js'
import { CkksUpdates } from './ckks-updates.js'
import { SecureRounds, type SecureRoundsIdentity } from './secure-rounds.js'

/** Runs one piece of TF.js work (the agent's: in its federated host). */
export type RunClientTask = (payload: FlClientPayload, limits: SandboxLimits, signal: AbortSignal) => Promise<FlClientResult>

export interface ParticipantComponents {
  work: Pick<FederatedWorkClient, 'claim' | 'parameters' | 'reply'>
  /** The node's keys: under ckks the owner wraps the model key to them; under secagg+ they sign the round keys. */
  identity?: Pick<Identity, 'encryptionKey' | 'decryptionKey'> & SecureRoundsIdentity
  /** The datasets this node holds now. */
  datasets: () => readonly LocalDataset[]
  /** Sandbox limits (the time limit is cut to each work's deadline). */
  limits: SandboxLimits
  /** How often to ask for work while there is none (a busy round asks again at once). */
  pollMs: number
  log: Logger
  run: RunClientTask
}

/** Most an idle participant stretches its poll interval, as a multiple of pollMs. */
const IDLE_BACKOFF = 4
const TRAINING_KINDS = new Set(['init', 'train', 'evaluate'])

async function datasetBytes(dataset: LocalDataset): Promise<FlDatasetBytes> {
  try {
    if (dataset.format === 'idx') return { format: 'idx', images: await readFile(dataset.path), labels: await readFile(dataset.labels ?? '') }
    return { format: 'csv', bytes: await readFile(dataset.path), ...(dataset.csv === undefined ? {} : { csv: dataset.csv }) }
  } catch (err) {
    throw new W3aiError('FL_DATASET_FILE', `Dataset ${dataset.name}: ${dataset.path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).`)
  }
}

/** The models a decentralized silo averages this round, if the work names any. */
function mixOf(work: FlWork): Array<{ digest: string; weight: number }> | undefined {
  const mix = (work.message as { mix?: unknown } | undefined)?.mix
  if (!Array.isArray(mix)) return undefined
  return mix.filter((m): m is { digest: string; weight: number } => typeof m?.digest === 'string' && typeof m?.weight === 'number' && Number.isFinite(m.weight))
}

/** Under ckks: the sealed global parameters this work starts from, their round and this node's wrapped model key. */
function sealedOf(work: FlWork): { sealed: FlSealedParameters; sealedRound: number; modelKey: WrappedKey } | undefined {
  const m = work.message as { sealed?: FlSealedParameters; sealedRound?: number; modelKey?: WrappedKey } | undefined
  return m?.sealed !== undefined && typeof m.sealedRound === 'number' && m.modelKey !== undefined ? { sealed: m.sealed, sealedRound: m.sealedRound, modelKey: m.modelKey } : undefined
}

export class Participant {
  private stopped = true
  private loop: Promise<void> | undefined
  private wakeUp: (() => void) | undefined
  /** A nudge came since the last claim began: claim again before sleeping. */
  private nudged = false
  private current: AbortController | undefined
  private readonly secure: SecureRounds
  private readonly ckks = new CkksUpdates((err) => this.c.log.warn({ err: String(err) }, 'preparing the next ckks update failed; it is encrypted from scratch'))

  constructor(private readonly c: ParticipantComponents) {
    this.secure = new SecureRounds(c.identity)
  }

  /** True while a piece of work is being done. */
  get busy(): boolean {
    return this.current !== undefined
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.loop = this.poll()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.current?.abort(new Error('node stopping'))
    this.wakeUp?.()
    await this.loop
    await this.ckks.close()
  }

  /**
   * The hub made work for this node: claim now rather than after the poll interval. Nudges
   * coalesce: any number while the participant sleeps cost one claim, and any number while it
   * claims or works at most one more (the work may have come after the hub looked).
   */
  nudge(): void {
    if (this.stopped) return
    this.nudged = true
    this.wakeUp?.()
  }

  private async poll(): Promise<void> {
    let idle = 0
    while (!this.stopped) {
      const names = this.c.datasets().map((d) => d.name)
      let work: FlWork[] = []
      this.nudged = false
      if (names.length > 0) {
        try {
          work = await this.c.work.claim({ datasets: names, capacity: 1 })
        } catch (err) {
          this.c.log.debug({ err: String(err) }, 'federated claim failed; will retry')
        }
      }
      for (const w of work) {
        if (this.stopped) break
        await this.handle(w)
      }
      idle = work.length === 0 ? idle + 1 : 0
      if (work.length === 0 && !this.nudged) await this.sleep(this.c.pollMs * Math.min(IDLE_BACKOFF, 2 ** Math.max(0, idle - 2)))
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // Stopped while claiming: no sleep (stop() has nothing left to wake).
      if (this.stopped) return resolve()
      const done = (): void => {
        clearTimeout(timer)
        if (this.wakeUp === done) this.wakeUp = undefined
        resolve()
      }
      const timer = setTimeout(done, ms)
      timer.unref()
      this.wakeUp = done
    })
  }

  /** Does one piece of work and answers it; failures are answered too, with their code. */
  private async handle(work: FlWork): Promise<void> {
    const log = this.c.log.child({ trainingId: work.trainingId, round: work.round, kind: work.kind, dataset: work.dataset })
    const ctrl = new AbortController()
    this.current = ctrl
    const left = Date.parse(work.deadline) - Date.now()
    const timer = setTimeout(() => ctrl.abort(new Error('deadline passed')), Math.max(0, left))
    let reply: FlWorkReply
    try {
      reply = await this.answer(work, ctrl.signal, left)
    } catch (err) {
      const code = err instanceof W3aiError || typeof (err as { code?: unknown }).code === 'string' ? String((err as { code: string }).code) : 'COMPUTE_EXECUTOR_FAILED'
      reply = { outcome: 'failed', error: { code: code.slice(0, 64), message: String((err as Error).message ?? err).slice(0, 2000) } }
      log.warn(reply.error, 'federated work failed')
    } finally {
      clearTimeout(timer)
      this.current = undefined
    }
    if (ctrl.signal.aborted && this.stopped) return
    try {
      await this.c.work.reply(work.id, reply)
      log.info({ outcome: reply.outcome, examples: reply.numExamples }, 'federated work answered')
    } catch (err) {
      // FL_WORK_LOST: the round ended without this client; nothing else to do.
      log.info({ err: String(err) }, 'federated answer not taken')
    }
  }

  /**
   * Decentralized mode: this silo's starting point is its own model averaged with its strong
   * neighbours' (the weights and models the topology's plan names), fetched through the hub.
   */
  private async mixed(work: FlWork): Promise<Float32Array[]> {
    let out: Float32Array[] | undefined
    for (const { digest, weight } of mixOf(work) ?? []) {
      const model = await this.c.work.parameters(work.id, digest)
      out ??= model.map((t) => new Float32Array(t.length))
      if (model.length !== out.length || model.some((t, k) => t.length !== out![k]!.length)) throw new W3aiError('FL_BAD_UPDATE', 'A neighbour model does not match this silo\'s model.')
      model.forEach((t, k) => {
        const acc = out![k] as Float32Array
        for (let i = 0; i < t.length; i++) acc[i] = (acc[i] as number) + weight * (t[i] as number)
      })
    }
    if (out === undefined) throw new W3aiError('FL_BAD_UPDATE', 'The mixing plan names no model.')
    return out
  }

  /** Under ckks: the owner's sealed global parameters, opened with the model key the owner wrapped to this node. */
  private opened(work: FlWork): Float32Array[] {
    const sealed = sealedOf(work) as NonNullable<ReturnType<typeof sealedOf>>
    if (this.c.identity === undefined) throw new W3aiError('FL_BAD_CONFIG', 'This participant has no node keys to open sealed parameters with.')
    const key = unwrapKey(sealed.modelKey, this.c.identity)
    try {
      return openParameters(key, sealed.sealed, work.trainingId, sealed.sealedRound)
    } finally {
      key.fill(0)
    }
  }

  private async answer(work: FlWork, signal: AbortSignal, leftMs: number): Promise<FlWorkReply> {
    if (work.kind === 'secagg') return { outcome: 'ok', message: this.secure.answer(work) }
    if (!TRAINING_KINDS.has(work.kind)) throw new W3aiError('FL_BAD_CONFIG', `This node does not take part in ${work.kind} work.`)
    const dataset = this.c.datasets().find((d) => d.name === work.dataset)
    if (dataset === undefined) throw new W3aiError('FL_DATASET_NOT_FOUND', `This node no longer has dataset ${work.dataset}.`)
    const parameters =
      work.kind === 'init' ? undefined
      : mixOf(work) !== undefined ? await this.mixed(work)
      : sealedOf(work) !== undefined ? this.opened(work)
      : work.parameters ? await this.c.work.parameters(work.id)
      : undefined
    const mu = work.config.proximalMu
    const payload: FlClientPayload = {
      kind: work.kind as FlClientPayload['kind'],
      spec: work.model,
      inputScale: work.inputScale,
      localEpochs: work.localEpochs,
      seed: work.seed,
      round: work.round,
      clientId: work.clientId,
      ...(work.classes === undefined ? {} : { classes: work.classes }),
      ...(typeof mu === 'number' && mu > 0 ? { proximalMu: mu } : {}),
      ...(work.kind === 'init' ? {} : { dataset: await datasetBytes(dataset) }),
      ...(parameters === undefined ? {} : { parameters }),
    }
    const limits: SandboxLimits = { ...this.c.limits, timeMs: Math.max(1000, Math.min(this.c.limits.timeMs ?? Infinity, leftMs)), maxOutputBytes: MAX_FL_BODY_BYTES }
    const result = await this.c.run(payload, limits, signal)
    const metrics = Object.fromEntries(Object.entries(result.metrics).filter(([, v]) => Number.isFinite(v)))
    let trained = result.parameters
    // Client-side differential privacy: the update leaves this node clipped to the norm the strategy set.
    const norm = work.config[CLIPPING_NORM_KEY]
    if (typeof norm === 'number' && parameters !== undefined && trained !== undefined) {
      metrics[NORM_BIT_KEY] = normBit(parameters, trained, norm)
      trained = clipUpdate(parameters, trained, norm).parameters
    }
    const reply: FlWorkReply = {
      outcome: 'ok',
      numExamples: result.numExamples,
      metrics,
      ...(result.loss !== undefined && Number.isFinite(result.loss) ? { loss: result.loss } : {}),
    }
    if (trained === undefined) return reply
    // Under ckks the update leaves encrypted under the owner's public key: only the owner can read the sum.
    if (work.config.secure === 'ckks') {
      const publicKey = (work.message as { publicKey?: CkksPublicKey } | undefined)?.publicKey
      if (publicKey === undefined) throw new W3aiError('FL_BAD_CONFIG', 'This ckks work carries no public key to encrypt the update under.')
      return { ...reply, message: await this.ckks.encrypt(work.trainingId, publicKey, trained, result.numExamples) }
    }
    // Under secure aggregation the update stays here; only its masked form leaves, stage by stage.
    if (work.config.secure === 'secagg+') {
      this.secure.keep(work, { parameters: trained, numExamples: result.numExamples })
      return reply
    }
    return { ...reply, parameters: encodeParameters(trained) }
  }
}
