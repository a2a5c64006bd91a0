/**
 * What every strategy shares, after Flower's FedAvg: client sampling for training and evaluation,
 * the per-round config, reply checks, failure handling and example-weighted metrics. A strategy
 * supplies `aggregate` (how replies become parameters); linear ones supply `fromMean` instead.
 */
import { W3aiError } from '@w3ai/protocol'
import { allFinite, sameShapes, weightedMean } from '../aggregate.js'
import { sampleClients } from '../sampling.js'
import type { Aggregate, ClientPool, EvaluateInstruction, EvaluateReply, LinearAggregation, Metrics, Parameters, Random, Scalars, Strategy, TrainInstruction, TrainReply } from '../types.js'
import {
  DEFAULT_ACCEPT_FAILURES,
  DEFAULT_FRACTION_EVALUATE,
  DEFAULT_FRACTION_TRAIN,
  DEFAULT_MIN_AVAILABLE_CLIENTS,
  DEFAULT_MIN_EVALUATE_CLIENTS,
  DEFAULT_MIN_TRAIN_CLIENTS,
  DEFAULT_MIN_TRAIN_REPLIES,
} from './constants.js'
import type { Checkpointable, StrategyCheckpoint } from './checkpoint.js'
import { OptionReader, type RoundConfig } from './options.js'

/** Options every strategy takes (Flower's names in camelCase; `fit` is `train` here). */
export interface StrategyOptions {
  /** Share of available clients asked to train each round, [0, 1]. Default 1. */
  fractionTrain?: number
  /** Share of available clients asked to evaluate each round, [0, 1]; 0 skips evaluation. Default 1. */
  fractionEvaluate?: number
  /** A round trains on at least this many clients. Default 2. */
  minTrainClients?: number
  /** A round evaluates on at least this many clients. Default 2. */
  minEvaluateClients?: number
  /** A round does not start (FL_NOT_ENOUGH_CLIENTS) with fewer clients available. Default 2. */
  minAvailableClients?: number
  /** false: a round in which any client failed keeps the old parameters. Default true. */
  acceptFailures?: boolean
  /** A round with fewer replies keeps the old parameters. Default 1. */
  minTrainReplies?: number
  /** Sent to every training client with the round number. */
  trainConfig?: RoundConfig
  /** Sent to every evaluating client with the round number. */
  evaluateConfig?: RoundConfig
}

/** The option names of StrategyOptions, for the factory's unknown-key check. */
export const COMMON_OPTION_KEYS = ['fractionTrain', 'fractionEvaluate', 'minTrainClients', 'minEvaluateClients', 'minAvailableClients', 'acceptFailures', 'minTrainReplies', 'trainConfig', 'evaluateConfig'] as const

interface CommonSettings {
  fractionTrain: number
  fractionEvaluate: number
  minTrainClients: number
  minEvaluateClients: number
  minAvailableClients: number
  acceptFailures: boolean
  minTrainReplies: number
  trainConfig: RoundConfig
  evaluateConfig: RoundConfig
}

function readCommon(reader: OptionReader): CommonSettings {
  const fraction = { min: 0, max: 1 }
  const count = { min: 0, integer: true }
  return {
    fractionTrain: reader.number('fractionTrain', DEFAULT_FRACTION_TRAIN, fraction),
    fractionEvaluate: reader.number('fractionEvaluate', DEFAULT_FRACTION_EVALUATE, fraction),
    minTrainClients: reader.number('minTrainClients', DEFAULT_MIN_TRAIN_CLIENTS, { min: 1, integer: true }),
    minEvaluateClients: reader.number('minEvaluateClients', DEFAULT_MIN_EVALUATE_CLIENTS, count),
    minAvailableClients: reader.number('minAvailableClients', DEFAULT_MIN_AVAILABLE_CLIENTS, count),
    acceptFailures: reader.boolean('acceptFailures', DEFAULT_ACCEPT_FAILURES),
    minTrainReplies: reader.number('minTrainReplies', DEFAULT_MIN_TRAIN_REPLIES, { min: 1, integer: true }),
    trainConfig: reader.roundConfig('trainConfig'),
    evaluateConfig: reader.roundConfig('evaluateConfig'),
  }
}

const configFor = (config: RoundConfig, round: number): Scalars => ({ round, ...(typeof config === 'function' ? config(round) : config) })

/**
 * Throws FL_BAD_UPDATE unless `reply` matches the shapes of `current`, holds only finite values
 * and reports a positive example count. The hub drops such a reply and counts a failure.
 */
export function checkReply(current: Parameters, reply: TrainReply): void {
  const bad = (why: string): W3aiError => new W3aiError('FL_BAD_UPDATE', `The update of client ${reply.clientId} ${why}.`, { clientId: reply.clientId })
  if (!Array.isArray(reply.parameters) || !reply.parameters.every((t) => t instanceof Float32Array)) throw bad('is not a list of float32 tensors')
  if (!sameShapes(current, reply.parameters)) throw bad(`has tensors of sizes [${reply.parameters.map((t) => t.length).join(', ')}] where the model has [${current.map((t) => t.length).join(', ')}]`)
  if (!(Number.isFinite(reply.numExamples) && reply.numExamples > 0)) throw bad(`reports ${reply.numExamples} examples (must be > 0)`)
  if (!allFinite(reply.parameters)) throw bad('holds NaN or infinite values')
}

/** Example-weighted mean of each numeric metric, over the replies that report it. */
export function weightedMetrics(replies: ReadonlyArray<{ numExamples: number; metrics: Metrics }>): Metrics {
  const sums = new Map<string, { sum: number; weight: number }>()
  for (const r of replies) {
    for (const [key, value] of Object.entries(r.metrics)) {
      if (!Number.isFinite(value)) continue
      const s = sums.get(key) ?? { sum: 0, weight: 0 }
      s.sum += value * r.numExamples
      s.weight += r.numExamples
      sums.set(key, s)
    }
  }
  const out: Metrics = {}
  for (const [key, { sum, weight }] of sums) if (weight > 0) out[key] = sum / weight
  return out
}

/** A strategy with Flower's FedAvg plumbing; subclasses say how replies aggregate. */
export abstract class BaseStrategy implements Strategy, Checkpointable {
  protected readonly settings: Readonly<CommonSettings>

  constructor(
    readonly name: string,
    options: StrategyOptions,
  ) {
    this.settings = Object.freeze(readCommon(new OptionReader(name, options)))
  }

  /** Reads this strategy's own options with the same FL_BAD_CONFIG messages. */
  protected reader(options: object): OptionReader {
    return new OptionReader(this.name, options)
  }

  /** The config each training client receives for `round`. */
  protected trainConfig(round: number): Scalars {
    return configFor(this.settings.trainConfig, round)
  }

  configureTrain(round: number, parameters: Parameters, pool: ClientPool, random: Random): TrainInstruction[] {
    const { fractionTrain, minTrainClients, minAvailableClients } = this.settings
    const ids = sampleClients(pool, { fraction: fractionTrain, minClients: minTrainClients, minAvailable: minAvailableClients }, random)
    const config = this.trainConfig(round)
    return ids.map((clientId) => ({ clientId, parameters, config }))
  }

  configureEvaluate(round: number, parameters: Parameters, pool: ClientPool, random: Random): EvaluateInstruction[] {
    const { fractionEvaluate, minEvaluateClients, minAvailableClients } = this.settings
    if (fractionEvaluate === 0) return []
    const ids = sampleClients(pool, { fraction: fractionEvaluate, minClients: minEvaluateClients, minAvailable: minAvailableClients }, random)
    const config = configFor(this.settings.evaluateConfig, round)
    return ids.map((clientId) => ({ clientId, parameters, config }))
  }

  /**
   * Checks the replies (FL_BAD_UPDATE), then keeps the old parameters when there are none, too
   * few, or failures under acceptFailures: false; otherwise delegates to `aggregate`.
   */
  aggregateTrain(round: number, current: Parameters, replies: readonly TrainReply[], failures: number): Aggregate {
    for (const reply of replies) checkReply(current, reply)
    if (!this.accepts(replies.length, failures)) return { parameters: undefined, metrics: {} }
    const result = this.aggregate(round, current, replies)
    return { parameters: result.parameters, metrics: { ...weightedMetrics(replies), ...result.metrics } }
  }

  /**
   * Whether a round with `replies` replies and `failures` failed clients aggregates at all (not
   * with none, fewer than minTrainReplies, or failures under acceptFailures: false). Wrappers that
   * aggregate through `linear` ask this first.
   */
  accepts(replies: number, failures: number): boolean {
    const { acceptFailures, minTrainReplies } = this.settings
    return replies > 0 && replies >= minTrainReplies && (failures === 0 || acceptFailures)
  }

  /** Example-weighted loss and metrics; empty when nothing came back or failures are refused. */
  aggregateEvaluate(_round: number, replies: readonly EvaluateReply[], failures: number): Metrics {
    const usable = replies.filter((r) => Number.isFinite(r.loss) && r.numExamples > 0)
    if (usable.length === 0 || (failures > 0 && !this.settings.acceptFailures)) return {}
    const total = usable.reduce((s, r) => s + r.numExamples, 0)
    const loss = usable.reduce((s, r) => s + r.loss * r.numExamples, 0) / total
    return { ...weightedMetrics(usable), loss }
  }

  /** The state kept between rounds; none for stateless strategies. */
  checkpoint(): StrategyCheckpoint {
    return {}
  }

  restore(_checkpoint: StrategyCheckpoint): void {}

  /** New parameters from checked, non-empty replies. */
  protected abstract aggregate(round: number, current: Parameters, replies: readonly TrainReply[]): Aggregate
}

/**
 * A strategy whose result depends on the replies only through their example-weighted mean, so
 * secure aggregation can hand it that mean (`linear.fromMean`) without revealing any reply.
 */
export abstract class LinearStrategy extends BaseStrategy {
  readonly linear: LinearAggregation = { fromMean: (round, current, mean, totalExamples, clients) => this.fromMean(round, current, mean, totalExamples, clients) }

  protected aggregate(round: number, current: Parameters, replies: readonly TrainReply[]): Aggregate {
    const weights = replies.map((r) => r.numExamples)
    const total = weights.reduce((a, b) => a + b, 0)
    return this.fromMean(round, current, weightedMean(replies.map((r) => r.parameters), weights), total, replies.length)
  }

  /** New global parameters from the example-weighted mean of the clients' parameters. */
  protected abstract fromMean(round: number, current: Parameters, mean: Parameters, totalExamples: number, clients: number): Aggregate
}
