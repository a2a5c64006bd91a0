/**
 * An in-process federated simulation: N clients, each holding a split, train the model the
 * strategy sends them with `trainLocally`; some may drop out or poison their replies; after each
 * round the global model is scored on a held-out split. Deterministic for a seed, so tests and
 * benchmarks can compare strategies on the same run.
 */
import { W3aiError, type ErrorCode } from '@w3ai/protocol'
import { seededRandom } from '@w3ai/util'
import type { Metrics, Parameters, Strategy, TrainReply } from '../types.js'
import { poison, type Attack } from './attacks.js'
import { classCount, type LabelledData } from './data.js'
import { evaluate, initParameters, type ModelSpec } from './model.js'
import { DEFAULT_TRAIN_SETTINGS, trainLocally, type TrainSettings } from './trainer.js'

export interface SimulationOptions {
  strategy: Strategy
  /** Client i is `client-<i>` and holds clients[i]. */
  clients: readonly LabelledData[]
  /** Held-out rows the global model is scored on after each round. */
  test: LabelledData
  rounds: number
  seed: number
  /** Hidden units of the MLP; 0 is softmax regression. Default 32. */
  hidden?: number
  /** Local training defaults (the strategy's train config overrides them). */
  train?: Partial<TrainSettings>
  /** Clients that poison their replies. */
  attackers?: Attack
  /** Chance that a selected client fails in a round. Default 0. */
  dropoutRate?: number
  /** Starting parameters. Default: seeded initialization. */
  initial?: Parameters
}

export interface SimulationRound {
  round: number
  accuracy: number
  loss: number
  participants: number
  failures: number
  /** Whether the strategy produced new parameters this round. */
  updated: boolean
  /** The strategy's aggregate metrics (epsilon under DP, the clients' mean loss, …). */
  metrics: Metrics
}

export interface SimulationResult {
  rounds: SimulationRound[]
  parameters: Parameters
  spec: ModelSpec
  /** Why training stopped before `rounds` (the budget of a DP strategy). */
  stopped?: ErrorCode
}

/** A 32-bit seed for (seed, round, client), so each client's randomness is independent of order. */
function mix(seed: number, round: number, client: number): number {
  let h = (seed ^ Math.imul(round + 1, 0x9e3779b1) ^ Math.imul(client + 1, 0x85ebca6b)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d)
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b)
  return (h ^ (h >>> 16)) >>> 0
}

/** Runs `rounds` rounds of `strategy` over the clients and scores each round's model. */
export function runSimulation(options: SimulationOptions): SimulationResult {
  const { strategy, clients, test, rounds, seed } = options
  const spec: ModelSpec = { inputs: test.featureCount, hidden: options.hidden ?? 32, classes: classCount(test, ...clients) }
  const settings: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, ...options.train }
  const ids = clients.map((_, i) => `client-${i}`)
  const attackers = new Set(options.attackers?.clients ?? [])
  const sampling = seededRandom(seed)
  let parameters = options.initial ?? initParameters(spec, seededRandom(mix(seed, -1, -1)))
  const history: SimulationRound[] = []
  for (let round = 1; round <= rounds; round++) {
    let instructions
    try {
      instructions = strategy.configureTrain(round, parameters, { ids }, sampling)
    } catch (err) {
      if (err instanceof W3aiError && err.code === 'FL_PRIVACY_BUDGET_SPENT') return { rounds: history, parameters, spec, stopped: err.code }
      throw err
    }
    const replies: TrainReply[] = []
    let failures = 0
    for (const instruction of instructions) {
      const index = ids.indexOf(instruction.clientId)
      const random = seededRandom(mix(seed, round, index))
      if (options.dropoutRate !== undefined && random() < options.dropoutRate) {
        failures++
        continue
      }
      const honest = trainLocally(spec, clients[index] as LabelledData, instruction.clientId, instruction.parameters, instruction.config, settings, random)
      replies.push(attackers.has(index) && options.attackers !== undefined ? poison(options.attackers, instruction.parameters, honest, random) : honest)
    }
    const aggregate = strategy.aggregateTrain(round, parameters, replies, failures)
    if (aggregate.parameters !== undefined) parameters = aggregate.parameters
    const score = evaluate(spec, parameters, test)
    history.push({ round, ...score, participants: replies.length, failures, updated: aggregate.parameters !== undefined, metrics: aggregate.metrics })
  }
  return { rounds: history, parameters, spec }
}
