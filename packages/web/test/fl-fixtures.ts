/** Federated trainings and topologies as the hub answers them, for the federated tab's tests. */
import type { FlRound, FlTraining, FlTrainingSummary } from '@w3ai/protocol'
import type { Topology } from '../src/fl/topology.js'

export const OWNER = 'a_00000000000000000000'

/** Round `round` as the hub records it: evaluation and training metrics under their prefixes. */
export function makeRound(round: number, over: Partial<FlRound> = {}): FlRound {
  const at = new Date(Date.UTC(2026, 0, 1) + round * 60_000).toISOString()
  return {
    round,
    status: 'completed',
    participants: 3,
    dropouts: 0,
    accuracy: 0.5 + round / 100,
    loss: 1 / round,
    metrics: { train_accuracy: 0.4 + round / 100, train_loss: 1.2 / round, eval_accuracy: 0.5 + round / 100, eval_loss: 1 / round },
    startedAt: at,
    finishedAt: at,
    ...over,
  }
}

export function makeTraining(i: number, over: Partial<FlTraining> = {}): FlTraining {
  const createdAt = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString()
  const rounds = over.rounds ?? []
  return {
    id: `fl_${i.toString(16).padStart(24, '0')}`,
    owner: OWNER,
    name: null,
    status: 'running',
    config: { model: {}, datasets: ['digits'], evaluation: { dataset: 'digits-test' }, rounds: 10 },
    clients: [0, 1, 2].map((c) => ({ id: `c${c}`, nodeId: `n_${c.toString(16).padStart(20, '0')}`, dataset: 'digits', rows: 100 + c })),
    evaluators: [{ id: 'e0', nodeId: 'n_0000000000000000000e', dataset: 'digits-test', rows: 300 }],
    round: rounds.at(-1)?.round ?? 0,
    rounds,
    modelReady: rounds.length > 0,
    modelCid: null,
    error: null,
    createdAt,
    updatedAt: createdAt,
    finishedAt: null,
    ...over,
  }
}

/** A training as GET /v1/fl/trainings lists it. */
export function makeSummary(i: number, over: Partial<FlTrainingSummary> = {}): FlTrainingSummary {
  const createdAt = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString()
  return {
    id: `fl_${i.toString(16).padStart(24, '0')}`,
    name: null,
    status: 'running',
    mode: 'central',
    secure: 'none',
    strategy: 'fedavg',
    dp: false,
    round: 0,
    roundsPlanned: 10,
    clientCount: 3,
    accuracy: null,
    loss: null,
    modelCid: null,
    error: null,
    createdAt,
    updatedAt: createdAt,
    finishedAt: null,
    ...over,
  }
}

/**
 * A ring of three silos A → B → C → A with multiplicities 1, 2 and 3: six states; in state 1
 * only A → B is strong, so A and C are isolated; state 0 is the whole ring.
 */
export const RING: Topology = {
  labels: ['A', 'B', 'C'],
  overlay: 'ring',
  computeMs: 5,
  edges: [
    { from: 0, to: 1, delayMs: 10, multiplicity: 1 },
    { from: 1, to: 2, delayMs: 20, multiplicity: 2 },
    { from: 2, to: 0, delayMs: 30, multiplicity: 3 },
  ],
  stateCount: 6,
}
