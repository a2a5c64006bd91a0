/**
 * Reading a federated training for the dashboard: the curve points per round, who took part in
 * each round, the privacy budget spent, and which actions its status allows. Pure, so the page's
 * numbers are unit-tested without a browser.
 */
import type { FlRound, FlTraining, FlTrainingSummary } from '@w3ai/protocol'
import type { EpochPoint } from '../jobs/history.js'

/** The accountant's δ when the owner sets none (@w3ai/federated's DEFAULT_DELTA). */
export const DEFAULT_DELTA = 1e-5

const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/**
 * One point per round for the jobs page's curve geometry (`epoch` is the round): the clients'
 * training metrics as the train series (`loss`, `acc`) and the held-out evaluation as the
 * validation series (`valLoss`, `valAcc`). A round whose metrics name neither phase falls back to
 * its headline accuracy and loss, drawn as the train series.
 */
export function roundPoints(rounds: readonly FlRound[]): EpochPoint[] {
  return [...rounds]
    .sort((a, b) => a.round - b.round)
    .map((r) => {
      const m = r.metrics
      const point: EpochPoint = { epoch: r.round }
      const train = { loss: finite(m.train_loss), acc: finite(m.train_accuracy) }
      const evaluation = { loss: finite(m.eval_loss), acc: finite(m.eval_accuracy) }
      if (train.loss !== undefined) point.loss = train.loss
      if (train.acc !== undefined) point.acc = train.acc
      if (evaluation.loss !== undefined) point.valLoss = evaluation.loss
      if (evaluation.acc !== undefined) point.valAcc = evaluation.acc
      if (point.loss === undefined && point.valLoss === undefined && finite(r.loss) !== undefined) point.loss = r.loss as number
      if (point.acc === undefined && point.valAcc === undefined && finite(r.accuracy) !== undefined) point.acc = r.accuracy as number
      return point
    })
}

/** One round's turnout: clients in the aggregate, clients that dropped out, and whether it failed. */
export interface RoundTurnout {
  round: number
  participants: number
  dropouts: number
  failed: boolean
  /** The failure's code and message, for the tooltip. */
  error: string | null
}

export function turnout(rounds: readonly FlRound[]): RoundTurnout[] {
  return [...rounds]
    .sort((a, b) => a.round - b.round)
    .map((r) => ({
      round: r.round,
      participants: Math.max(0, r.participants),
      dropouts: Math.max(0, r.dropouts),
      failed: r.status === 'failed',
      error: r.error === undefined ? null : `${r.error.code}: ${r.error.message}`,
    }))
}

/** Privacy spent so far against the owner's budget. */
export interface PrivacyBudget {
  /** ε after the latest round that reported one; 0 before the first. */
  spent: number
  /** The owner's `dp.targetEpsilon`; null when the training has no budget (ε is only reported). */
  target: number | null
  delta: number
  /** Share of the budget spent, 0..1 (null without a target). */
  fraction: number | null
  /** Training stopped because the next round would overspend (FL_PRIVACY_BUDGET_SPENT). */
  exhausted: boolean
  /** ε per round, for the tooltip and the rounds table. */
  perRound: Array<{ round: number; epsilon: number }>
}

/** The budget of a training under differential privacy; null when it has no `dp` and reported no ε. */
export function privacyBudget(training: Pick<FlTraining, 'config' | 'rounds' | 'error'>): PrivacyBudget | null {
  const dp = training.config.dp as Record<string, unknown> | undefined
  const perRound = [...training.rounds]
    .sort((a, b) => a.round - b.round)
    .flatMap((r) => (finite(r.epsilon) === undefined ? [] : [{ round: r.round, epsilon: r.epsilon as number }]))
  if (dp === undefined && perRound.length === 0) return null
  const spent = perRound.at(-1)?.epsilon ?? 0
  const targetValue = finite(dp?.targetEpsilon)
  const target = targetValue !== undefined && targetValue > 0 ? targetValue : null
  const deltaValue = finite(dp?.delta)
  return {
    spent,
    target,
    delta: deltaValue !== undefined && deltaValue > 0 && deltaValue < 1 ? deltaValue : DEFAULT_DELTA,
    fraction: target === null ? null : Math.max(0, Math.min(1, spent / target)),
    exhausted: training.error?.code === 'FL_PRIVACY_BUDGET_SPENT' || training.rounds.some((r) => r.error?.code === 'FL_PRIVACY_BUDGET_SPENT'),
    perRound,
  }
}

/** Stop is for a running training; resume for a stopped or failed one (the hub answers FL_INVALID_STATE otherwise). */
export function actionsFor(status: string): { stop: boolean; resume: boolean } {
  return { stop: status === 'running', resume: status === 'stopped' || status === 'failed' }
}

/** The latest round that produced an accuracy, for the list. */
export function latestAccuracy(rounds: readonly FlRound[]): number | null {
  let best: FlRound | undefined
  for (const r of rounds) if (finite(r.accuracy) !== undefined && (best === undefined || r.round > best.round)) best = r
  return best === undefined ? null : (best.accuracy as number)
}

/** "FedAvg · secagg+ · decentralized" style: the parts of the config worth a glance. */
export function describeConfig(config: FlTraining['config']): string {
  return describeSetup({ strategy: config.strategy?.name ?? 'fedavg', secure: config.secure ?? 'none', mode: config.mode ?? 'central', dp: config.dp !== undefined })
}

/** The same line from a listed training's summary. */
export function describeSetup(setup: Pick<FlTrainingSummary, 'strategy' | 'secure' | 'mode' | 'dp'>): string {
  return [setup.strategy, setup.secure, setup.mode, ...(setup.dp ? ['dp'] : [])].join(' · ')
}

/** ε for people: two decimals below 10, one above, ∞ as the word. */
export function formatEpsilon(epsilon: number): string {
  if (!Number.isFinite(epsilon)) return '∞'
  return epsilon < 10 ? epsilon.toFixed(2) : epsilon.toFixed(1)
}
