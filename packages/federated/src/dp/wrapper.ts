/**
 * What the four DP wrappers share, after Flower's DifferentialPrivacy* strategies: they delegate
 * sampling and evaluation to an inner strategy, turn each round's replies into a clipped,
 * unweighted, noised mean, hand that mean to the inner strategy's `linear.fromMean`, and account
 * for the round. Only linear inner strategies are accepted: noise is added to the mean, and
 * whatever the inner strategy does with it afterwards (momentum, Adam) is post-processing, which
 * DP survives; noise added after a robust aggregate would not bound its sensitivity.
 *
 * Accounting treats each round as a sampled Gaussian step with q = clients sampled / clients
 * available (DP-FedAvg's approximation for fixed-size sampling, McMahan et al. 2018) and the
 * noise multiplier z; the guarantee is per client (user-level), not per example.
 */
import { W3aiError } from '@w3ai/protocol'
import { addScaled, mean, subtract } from '../aggregate.js'
import { checkReply, weightedMetrics } from '../strategies/base.js'
import { badCheckpoint, isCheckpointable, type Checkpointable, type StrategyCheckpoint } from '../strategies/checkpoint.js'
import { badConfig } from '../strategies/options.js'
import type { Aggregate, ClientPool, EvaluateInstruction, EvaluateReply, LinearAggregation, Metrics, Parameters, Random, Scalars, Strategy, TrainInstruction, TrainReply } from '../types.js'
import { RdpAccountant, type AccountantOptions } from './accountant.js'
import { addGaussianNoise, secureNormal, type NormalSource } from './noise.js'

/** Options every DP wrapper takes. */
export interface DpOptions extends AccountantOptions {
  /** z: noise stddev over the clipping norm, >= 0 (0 clips without noise and spends ε = ∞). */
  noiseMultiplier: number
  /** The normal source for noise. Default: cryptographic. */
  normal?: NormalSource
}

/** The train-metric key carrying ε spent so far. */
export const EPSILON_METRIC = 'epsilon'

type LinearStrategy = Strategy & { readonly linear: LinearAggregation }

/** A round's privatized mean and the metrics it adds. */
export interface Privatized {
  mean: Parameters
  metrics: Metrics
}

export abstract class DpWrapper implements Strategy, Checkpointable {
  readonly name: string
  readonly accountant: RdpAccountant
  readonly noiseMultiplier: number
  protected readonly inner: LinearStrategy
  protected readonly normal: NormalSource
  /** Present where clients clip (secure aggregation can hand over the mean of clipped models). */
  readonly linear?: LinearAggregation
  /** The clipping norm the next round uses (fixed, or where adaptive clipping has moved it). */
  abstract readonly clippingNorm: number
  /** Sampling rate of the latest configured round (1 until a round is configured). */
  protected q = 1

  constructor(kind: string, inner: Strategy, options: DpOptions) {
    this.name = `${kind}(${inner.name})`
    if (inner.linear === undefined) throw badConfig(this.name, `differential privacy needs a linear strategy (fedavg, fedavgm, fedprox, fedadagrad, fedadam, fedyogi); ${inner.name} is not.`, { field: 'strategy' })
    this.inner = inner as LinearStrategy
    const z = options.noiseMultiplier
    if (typeof z !== 'number' || !(z >= 0) || !Number.isFinite(z)) throw badConfig(this.name, `noiseMultiplier must be a number >= 0, got ${JSON.stringify(z)}.`, { field: 'noiseMultiplier' })
    this.noiseMultiplier = z
    this.normal = options.normal ?? secureNormal
    const { delta, targetEpsilon } = options
    if (delta !== undefined && !(typeof delta === 'number' && delta > 0 && delta < 1)) throw badConfig(this.name, `delta must be a number in (0, 1), got ${JSON.stringify(delta)}.`, { field: 'delta' })
    if (targetEpsilon !== undefined && !(typeof targetEpsilon === 'number' && targetEpsilon > 0)) throw badConfig(this.name, `targetEpsilon must be a number > 0, got ${JSON.stringify(targetEpsilon)}.`, { field: 'targetEpsilon' })
    if (options.conversion !== undefined && options.conversion !== 'tight' && options.conversion !== 'classic') throw badConfig(this.name, `conversion must be "tight" or "classic", got ${JSON.stringify(options.conversion)}.`, { field: 'conversion' })
    this.accountant = new RdpAccountant(options)
  }

  /** What clients must be told besides the inner strategy's config (the clipping norm, client-side). */
  protected extraConfig(): Scalars {
    return {}
  }

  /** The noise multiplier the accountant charges per round (adaptive clipping splits it in two). */
  protected accountedNoise(): number {
    return this.noiseMultiplier
  }

  /** Clips and noises one round's replies into the mean handed to the inner strategy. */
  protected abstract privatize(round: number, current: Parameters, replies: readonly TrainReply[]): Privatized

  /** Adaptive clipping keeps its moving norm here; fixed clipping has nothing to add. */
  protected clippingState(): number | undefined {
    return undefined
  }

  protected restoreClipping(_norm: number): void {}

  /** The inner strategy's state, the accounting so far and the clipping norm, as JSON. */
  checkpoint(): StrategyCheckpoint {
    const norm = this.clippingState()
    return {
      inner: isCheckpointable(this.inner) ? this.inner.checkpoint() : {},
      accountant: this.accountant.snapshot(),
      q: this.q,
      ...(norm === undefined ? {} : { clippingNorm: norm }),
    }
  }

  restore(checkpoint: StrategyCheckpoint): void {
    const { inner, accountant, q, clippingNorm } = checkpoint
    const snapshot = accountant as { orders?: unknown; rdp?: unknown; steps?: unknown } | null | undefined
    if (typeof q !== 'number' || !(q > 0 && q <= 1)) throw badCheckpoint(this.name, 'q must be in (0, 1]')
    if (typeof snapshot !== 'object' || snapshot === null || !Array.isArray(snapshot.orders) || !Array.isArray(snapshot.rdp) || typeof snapshot.steps !== 'number') throw badCheckpoint(this.name, 'the accountant snapshot is missing')
    try {
      this.accountant.restoreSnapshot(snapshot as { orders: number[]; rdp: number[]; steps: number })
    } catch {
      throw badCheckpoint(this.name, 'the accountant snapshot was taken with other RDP orders or is corrupt')
    }
    if (isCheckpointable(this.inner)) this.inner.restore((inner ?? {}) as StrategyCheckpoint)
    if (this.clippingState() !== undefined) {
      if (typeof clippingNorm !== 'number' || !(clippingNorm > 0)) throw badCheckpoint(this.name, 'clippingNorm must be a number > 0')
      this.restoreClipping(clippingNorm)
    }
    this.q = q
  }

  /** ε spent so far at the accountant's δ. */
  spent(): number {
    return this.accountant.spent()
  }

  /** True when a budget is set and the next round (at the latest sampling rate) would exceed it. */
  wouldExceed(): boolean {
    return this.accountant.wouldExceed(this.q, this.accountedNoise())
  }

  /** The inner strategy's clients and config, plus ours; FL_PRIVACY_BUDGET_SPENT once the budget would be exceeded. */
  configureTrain(round: number, parameters: Parameters, pool: ClientPool, random: Random): TrainInstruction[] {
    const instructions = this.inner.configureTrain(round, parameters, pool, random)
    const available = new Set(pool.ids).size
    const q = available === 0 ? 1 : Math.min(1, instructions.length / available)
    if (this.accountant.wouldExceed(q, this.accountedNoise())) {
      const spent = this.spent()
      throw new W3aiError('FL_PRIVACY_BUDGET_SPENT', `Round ${round} would take ε from ${spent.toFixed(3)} past the budget ${this.accountant.targetEpsilon} (δ = ${this.accountant.delta}); training stops here.`, { spent, targetEpsilon: this.accountant.targetEpsilon, delta: this.accountant.delta })
    }
    this.q = q
    const extra = this.extraConfig()
    return instructions.map((i) => ({ ...i, config: { ...i.config, ...extra } }))
  }

  configureEvaluate(round: number, parameters: Parameters, pool: ClientPool, random: Random): EvaluateInstruction[] {
    return this.inner.configureEvaluate(round, parameters, pool, random)
  }

  aggregateEvaluate(round: number, replies: readonly EvaluateReply[], failures: number): Metrics {
    return this.inner.aggregateEvaluate(round, replies, failures)
  }

  aggregateTrain(round: number, current: Parameters, replies: readonly TrainReply[], failures: number): Aggregate {
    for (const reply of replies) checkReply(current, reply)
    const accepts = (this.inner as { accepts?: (replies: number, failures: number) => boolean }).accepts
    const ok = accepts === undefined ? replies.length > 0 : accepts.call(this.inner, replies.length, failures)
    if (!ok) return { parameters: undefined, metrics: {} }
    const { mean: noised, metrics } = this.privatize(round, current, replies)
    return this.release(round, current, noised, replies.length, { ...weightedMetrics(replies), ...metrics })
  }

  /** Hands the privatized mean to the inner strategy and charges the round to the accountant. */
  protected release(round: number, current: Parameters, noisedMean: Parameters, clients: number, metrics: Metrics): Aggregate {
    const out = this.inner.linear.fromMean(round, current, noisedMean, clients, clients)
    this.accountant.step(this.q, this.accountedNoise())
    return { parameters: out.parameters, metrics: { ...metrics, ...out.metrics, [EPSILON_METRIC]: this.spent() } }
  }

  /** current + (unweighted mean of the clipped updates) + N(0, (z·C/m)²): each client moves it by at most C/m. */
  protected noisedMean(current: Parameters, clippedUpdates: readonly Parameters[], clippingNorm: number, noiseMultiplier: number): Parameters {
    const stddev = (noiseMultiplier * clippingNorm) / clippedUpdates.length
    return addScaled(current, addGaussianNoise(mean(clippedUpdates), stddev, this.normal))
  }
}

/** Each reply's update (its parameters minus the current ones). */
export function updatesOf(current: Parameters, replies: readonly TrainReply[]): Parameters[] {
  return replies.map((r) => subtract(r.parameters, current))
}
