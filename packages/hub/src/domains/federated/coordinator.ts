/**
 * The federated coordinator: a background part of the hub (start/stop) that leases running
 * trainings (one hub at a time runs a training; a lease that runs out lets another hub take it)
 * and drives each through its rounds. After every round the global parameters are checkpointed,
 * so a training whose hub stopped or died resumes at the round after its last finished one.
 */
import { isCheckpointable, type Parameters, type Strategy, type StrategyCheckpoint } from '@w3ai/federated'
import { W3aiError, type HubEvent } from '@w3ai/protocol'
import { resolveConfig, strategyOf, type ResolvedConfig } from './config.js'
import type { WorkExchange } from './exchange.js'
import { centralRound, initialParameters, type RoundContext } from './round.js'
import { secaggRound } from './round-secagg.js'
import { decentralizedRound, type SiloModels } from './decentralized.js'
import { ckksRound, type CkksState } from './round-ckks.js'
import type { OwnerRoundStore } from './owner-store.js'
import type { TrainingRecord, TrainingStore } from './store.js'
import type { WorkStore } from './work-store.js'

export interface CoordinatorComponents {
  trainings: TrainingStore
  work: WorkStore
  exchange: WorkExchange
  owner: OwnerRoundStore
  /** Under ckks, how long a round waits for the owner to publish its parameters. */
  ownerTimeoutMs: number
  hubId: string
  publish: (event: HubEvent) => void
  /** How often leases are taken and renewed. */
  tickMs: number
  /** A lease not renewed for this long lets another hub take the training. */
  leaseMs: number
  /** Trainings one hub runs at once. */
  maxTrainings: number
  onError: (err: unknown) => void
  log: (msg: string, fields?: Record<string, unknown>) => void
}

interface Drive {
  ctrl: AbortController
  done: Promise<void>
}

export class Coordinator {
  private readonly drives = new Map<string, Drive>()
  private timer: NodeJS.Timeout | undefined
  private ticking: Promise<void> | undefined
  private stopped = true

  constructor(private readonly c: CoordinatorComponents) {}

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.schedule(0)
  }

  /** Abandons the rounds in progress (another hub, or this one restarted, runs them again) and gives up the leases. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.timer)
    await this.ticking
    const ids = [...this.drives.keys()]
    for (const d of this.drives.values()) d.ctrl.abort()
    await Promise.allSettled([...this.drives.values()].map((d) => d.done))
    await this.c.trainings.release(this.c.hubId, ids).catch(this.c.onError)
  }

  /** A training was created or resumed: look for it now rather than at the next tick. */
  wake(): void {
    if (!this.stopped && this.ticking === undefined) this.schedule(0)
  }

  /** Trainings this hub is running now. */
  get running(): string[] {
    return [...this.drives.keys()]
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch(this.c.onError)
        .finally(() => {
          this.ticking = undefined
          if (!this.stopped) this.schedule(this.c.tickMs)
        })
    }, ms)
    this.timer.unref()
  }

  private async tick(): Promise<void> {
    const held = new Set(await this.c.trainings.lease(this.c.hubId, this.c.leaseMs, Math.max(0, this.c.maxTrainings - this.drives.size)))
    // Stopped by its owner, or taken by another hub after a lease ran out: let it go.
    for (const [id, drive] of this.drives) if (!held.has(id)) drive.ctrl.abort()
    for (const id of held) {
      if (this.drives.has(id) || this.stopped) continue
      const ctrl = new AbortController()
      const done = this.drive(id, ctrl.signal)
        .catch(this.c.onError)
        .finally(() => this.drives.delete(id))
      this.drives.set(id, { ctrl, done })
    }
  }

  private announce(t: Pick<TrainingRecord, 'id'>, round: number, status: string): void {
    this.c.publish({ type: 'fl.updated', trainingId: t.id, round, status })
  }

  /** Runs a training from its checkpoint to its last round (or until it is stopped or taken away). */
  private async drive(id: string, signal: AbortSignal): Promise<void> {
    const training = await this.c.trainings.get(id)
    if (training === undefined || training.status !== 'running') return
    // Work a previous coordinator handed out belongs to a round that starts again now.
    await this.c.work.expireTraining(id)
    let config: ResolvedConfig
    let strategy: Strategy
    try {
      config = resolveConfig(training.config)
      strategy = strategyOf(training.config)
    } catch (err) {
      await this.fail(training, err)
      return
    }
    const ctx: RoundContext = {
      trainingId: id,
      clients: training.clients,
      evaluators: training.evaluators,
      config,
      strategy,
      exchange: this.c.exchange,
      work: this.c.work,
      online: (ids) => this.c.trainings.onlineNodes(ids),
      signal,
    }
    let checkpoint = await this.c.trainings.checkpoint(id)
    if (checkpoint === undefined) {
      try {
        const parameters = await initialParameters(ctx)
        if (signal.aborted) return
        await this.c.trainings.initialCheckpoint(id, parameters)
        checkpoint = { round: 0, parameters, state: null }
      } catch (err) {
        if (!signal.aborted) await this.fail(training, err)
        return
      }
    }
    if (config.secure === 'ckks') {
      await this.driveCkks(training, ctx, checkpoint.parameters, checkpoint.state, config.rounds)
      return
    }
    if (config.mode === 'decentralized') {
      await this.driveDecentralized(training, ctx, checkpoint.parameters, checkpoint.state, config.rounds)
      return
    }
    let parameters = checkpoint.parameters
    // Server momentum, optimizer moments and privacy accounting go on where they were.
    if (checkpoint.state !== null && checkpoint.state !== undefined && isCheckpointable(strategy)) {
      try {
        strategy.restore(checkpoint.state as StrategyCheckpoint)
      } catch (err) {
        this.c.log('federated strategy state not restored; it starts afresh', { trainingId: id, err: String(err) })
      }
    }
    this.c.log('federated training running', { trainingId: id, fromRound: training.round + 1, rounds: config.rounds })
    for (let round = training.round + 1; round <= config.rounds; round++) {
      if (signal.aborted) return
      let outcome: Awaited<ReturnType<typeof centralRound>>
      try {
        outcome = config.secure === 'secagg+' ? await secaggRound(ctx, round, parameters) : await centralRound(ctx, round, parameters)
      } catch (err) {
        if (!(err instanceof W3aiError) || err.code !== 'FL_PRIVACY_BUDGET_SPENT') throw err
        // The owner's budget is spent: the model so far stays, and the training stops here.
        if (await this.c.trainings.finish(id, this.c.hubId, 'stopped', { code: err.code, message: err.message })) this.announce(training, round - 1, 'stopped')
        return
      }
      if (signal.aborted) return
      const state = isCheckpointable(strategy) ? strategy.checkpoint() : null
      if (!(await this.c.trainings.finishRound(id, this.c.hubId, outcome.record, outcome.parameters, state))) return
      if (outcome.parameters !== undefined) parameters = outcome.parameters
      await this.c.work.prune(id, round)
      this.announce(training, round, 'running')
    }
    if (await this.c.trainings.finish(id, this.c.hubId, 'succeeded')) this.announce(training, config.rounds, 'succeeded')
  }

  /** A decentralized training: each silo's models are the state; the checkpoint's parameters are their mean. */
  private async driveDecentralized(training: TrainingRecord, ctx: RoundContext, initial: Parameters, state: unknown, rounds: number): Promise<void> {
    const { id } = training
    const topology = training.topology
    if (topology === null) {
      await this.fail(training, new W3aiError('FL_BAD_CONFIG', 'This decentralized training has no topology.'))
      return
    }
    let silos = (state as { silos?: SiloModels } | null)?.silos
    if (silos === undefined) {
      const start = await this.c.work.putParameters(id, initial)
      silos = Object.fromEntries(topology.labels.map((label) => [label, { current: start, previous: start }]))
    }
    for (let round = training.round + 1; round <= rounds; round++) {
      if (ctx.signal.aborted) return
      const outcome = await decentralizedRound(ctx, topology, round, silos)
      if (ctx.signal.aborted) return
      if (!(await this.c.trainings.finishRound(id, this.c.hubId, outcome.record, outcome.parameters, { silos: outcome.silos }))) return
      silos = outcome.silos
      await this.c.work.prune(id, round, Object.values(silos).flatMap((m) => [m.current, m.previous]))
      this.announce(training, round, 'running')
    }
    if (await this.c.trainings.finish(id, this.c.hubId, 'succeeded')) this.announce(training, rounds, 'succeeded')
  }

  /** A CKKS training: the owner's sealed global parameters are the state; the hub never holds them in plaintext. */
  private async driveCkks(training: TrainingRecord, ctx: RoundContext, initial: Parameters, saved: unknown, rounds: number): Promise<void> {
    const { id } = training
    const publicKey = training.config.ckksPublicKey
    if (publicKey === undefined) {
      await this.fail(training, new W3aiError('FL_BAD_CONFIG', 'secure: ckks needs the owner\'s ckksPublicKey.'))
      return
    }
    let state = ((saved as { ckks?: CkksState } | null)?.ckks ?? {}) as CkksState
    const components = { owner: this.c.owner, trainings: this.c.trainings, ownerTimeoutMs: this.c.ownerTimeoutMs, awaiting: (round: number) => this.announce(training, round, 'awaiting-owner') }
    for (let round = training.round + 1; round <= rounds; round++) {
      if (ctx.signal.aborted) return
      let outcome: Awaited<ReturnType<typeof ckksRound>>
      try {
        outcome = await ckksRound(ctx, components, round, initial, state, publicKey)
      } catch (err) {
        if (!(err instanceof W3aiError) || err.code !== 'FL_PRIVACY_BUDGET_SPENT') throw err
        if (await this.c.trainings.finish(id, this.c.hubId, 'stopped', { code: err.code, message: err.message })) this.announce(training, round - 1, 'stopped')
        return
      }
      if (ctx.signal.aborted) return
      if (!(await this.c.trainings.finishRound(id, this.c.hubId, outcome.record, undefined, { ckks: outcome.state }))) return
      state = outcome.state
      await this.c.work.prune(id, round)
      this.announce(training, round, 'running')
    }
    if (await this.c.trainings.finish(id, this.c.hubId, 'succeeded')) this.announce(training, rounds, 'succeeded')
  }

  private async fail(training: TrainingRecord, err: unknown): Promise<void> {
    const error = err instanceof W3aiError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: String((err as Error)?.message ?? err).slice(0, 2000) }
    if (await this.c.trainings.finish(training.id, this.c.hubId, 'failed', error)) this.announce(training, training.round, 'failed')
  }
}
