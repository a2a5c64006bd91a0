/**
 * The strategy factory: `createStrategy({ name: 'fedavg', fractionTrain: 0.5 })` builds a strategy
 * from the `strategy` block of an FL config, checking the name and every option (FL_BAD_CONFIG).
 */
import type { Strategy } from '../types.js'
import { FedAvg } from './fed-avg.js'
import { badConfig, checkKnownKeys } from './options.js'

/** The strategy names `createStrategy` knows, in a stable order. */
export const STRATEGY_NAMES = ['fedavg'] as const

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
export type { RoundConfig } from './options.js'
