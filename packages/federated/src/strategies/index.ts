/**
 * The strategy factory: `createStrategy({ name: 'fedavg', fractionTrain: 0.5 })` builds a strategy
 * from the `strategy` block of an FL config, checking the name and every option (FL_BAD_CONFIG).
 */
import type { Strategy } from '../types.js'
import { Bulyan } from './bulyan.js'
import { FedAdagrad } from './fed-adagrad.js'
import { FedAdam } from './fed-adam.js'
import { FedAvg } from './fed-avg.js'
import { FedAvgM } from './fed-avg-m.js'
import { FedMedian } from './fed-median.js'
import { FedProx } from './fed-prox.js'
import { FedTrimmedAvg } from './fed-trimmed-avg.js'
import { FedYogi } from './fed-yogi.js'
import { Krum } from './krum.js'
import { MultiKrum } from './multi-krum.js'
import { QFedAvg } from './qfedavg.js'
import { badConfig, checkKnownKeys } from './options.js'

/** The strategy names `createStrategy` knows, in a stable order. */
export const STRATEGY_NAMES = ['fedavg', 'fedavgm', 'fedprox', 'fedadagrad', 'fedadam', 'fedyogi', 'qfedavg', 'fedmedian', 'fedtrimmedavg', 'krum', 'multikrum', 'bulyan'] as const

export type StrategyName = (typeof STRATEGY_NAMES)[number]

/** A `strategy` block: its name and that strategy's options. */
export interface StrategySpec {
  name: string
  [option: string]: unknown
}

interface Entry {
  keys: readonly string[]
  build: (options: Record<string, unknown>) => Strategy
}

const REGISTRY: Record<StrategyName, Entry> = {
  fedavg: { keys: FedAvg.optionKeys, build: (o) => new FedAvg(o) },
  fedavgm: { keys: FedAvgM.optionKeys, build: (o) => new FedAvgM(o) },
  fedprox: { keys: FedProx.optionKeys, build: (o) => new FedProx(o) },
  fedadagrad: { keys: FedAdagrad.optionKeys, build: (o) => new FedAdagrad(o) },
  fedadam: { keys: FedAdam.optionKeys, build: (o) => new FedAdam(o) },
  fedyogi: { keys: FedYogi.optionKeys, build: (o) => new FedYogi(o) },
  qfedavg: { keys: QFedAvg.optionKeys, build: (o) => new QFedAvg(o) },
  fedmedian: { keys: FedMedian.optionKeys, build: (o) => new FedMedian(o) },
  fedtrimmedavg: { keys: FedTrimmedAvg.optionKeys, build: (o) => new FedTrimmedAvg(o) },
  krum: { keys: Krum.optionKeys, build: (o) => new Krum(o) },
  multikrum: { keys: MultiKrum.optionKeys, build: (o) => new MultiKrum(o) },
  bulyan: { keys: Bulyan.optionKeys, build: (o) => new Bulyan(o) },
}

/** True when `name` is one of STRATEGY_NAMES. */
export function isStrategyName(name: unknown): name is StrategyName {
  return typeof name === 'string' && Object.hasOwn(REGISTRY, name)
}

/** Builds the strategy `spec` names; FL_BAD_CONFIG for an unknown name, an unknown option or a bad value. */
export function createStrategy(spec: StrategySpec): Strategy {
  if (typeof spec !== 'object' || spec === null) throw badConfig('?', 'the strategy must be an object with a name.')
  const { name, ...options } = spec
  if (!isStrategyName(name)) throw badConfig(String(name), `unknown strategy ${JSON.stringify(name)}; known: ${STRATEGY_NAMES.join(', ')}.`, { field: 'name' })
  const entry = REGISTRY[name]
  checkKnownKeys(name, options, entry.keys)
  return entry.build(options)
}

export { BaseStrategy, LinearStrategy, COMMON_OPTION_KEYS, checkReply, weightedMetrics, type StrategyOptions } from './base.js'
export { FedAvg, type FedAvgOptions } from './fed-avg.js'
export { FedAvgM, type FedAvgMOptions } from './fed-avg-m.js'
export { FedProx, PROXIMAL_MU_KEY, type FedProxOptions } from './fed-prox.js'
export { FedOpt, type FedOptOptions } from './fed-opt.js'
export { FedAdagrad, type FedAdagradOptions } from './fed-adagrad.js'
export { FedAdam, type FedAdamOptions } from './fed-adam.js'
export { FedYogi, type FedYogiOptions } from './fed-yogi.js'
export { QFedAvg, QFFL_LOSS_METRICS, type QFedAvgOptions } from './qfedavg.js'
export { FedMedian, type FedMedianOptions } from './fed-median.js'
export { FedTrimmedAvg, type FedTrimmedAvgOptions } from './fed-trimmed-avg.js'
export { Krum, type KrumOptions } from './krum.js'
export { MultiKrum, type MultiKrumOptions } from './multi-krum.js'
export { Bulyan, type BulyanOptions } from './bulyan.js'
export type { RoundConfig } from './options.js'
export { isCheckpointable, type Checkpointable, type CheckpointValue, type StrategyCheckpoint } from './checkpoint.js'
