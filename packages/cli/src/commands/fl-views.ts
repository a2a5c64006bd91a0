/** What `w3ai fl status|ls|run` show: a training, its rounds as a table, and the --json view. */
import type { FlRound, FlTraining, FlTrainingSummary } from '@w3ai/protocol'
import { table } from '../output.js'

export const TERMINAL_FL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'stopped'])

const num = (v: number | null | undefined, digits = 4): string => (v === null || v === undefined ? '-' : v.toFixed(digits))

export const ROUND_COLUMNS = ['ROUND', 'STATUS', 'ACCURACY', 'LOSS', 'PARTICIPANTS', 'DROPOUTS', 'EPSILON']

export function roundRow(r: FlRound): string[] {
  return [String(r.round), r.status, num(r.accuracy), num(r.loss), String(r.participants), String(r.dropouts), r.epsilon === undefined ? '-' : num(r.epsilon, 3)]
}

/** The rounds as a table (ACCURACY and LOSS on the evaluation dataset when the training has one). */
export function roundsTable(rounds: readonly FlRound[]): string {
  return table(ROUND_COLUMNS, rounds.map(roundRow))
}

/** One line per round, for logs and terminals that cannot redraw. */
export function roundLine(t: Pick<FlTraining, 'id' | 'config'>, r: FlRound): string {
  const error = r.error === undefined ? '' : `  ${r.error.code}: ${r.error.message}`
  const epsilon = r.epsilon === undefined ? '' : `  epsilon ${num(r.epsilon, 3)}`
  return `training ${t.id} round ${r.round}/${t.config.rounds} ${r.status}  accuracy ${num(r.accuracy)}  loss ${num(r.loss)}  participants ${r.participants}  dropouts ${r.dropouts}${epsilon}${error}`
}

const isFull = (t: FlTraining | FlTrainingSummary): t is FlTraining => 'config' in t

/** What --json prints for a listed training: its summary as the hub sends it. */
function summaryJson(t: FlTrainingSummary): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    status: t.status,
    mode: t.mode,
    secure: t.secure,
    strategy: t.strategy,
    dp: t.dp,
    round: t.round,
    roundsPlanned: t.roundsPlanned,
    clients: t.clientCount,
    accuracy: t.accuracy,
    loss: t.loss,
    modelCid: t.modelCid,
    error: t.error,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    finishedAt: t.finishedAt,
  }
}

/**
 * What --json prints: a training's state, model, every round and (decentralized) its topology; a
 * listed training (`fl ls`), its summary.
 */
export function flJson(t: FlTraining | FlTrainingSummary): Record<string, unknown> {
  if (!isFull(t)) return summaryJson(t)
  return {
    id: t.id,
    name: t.name,
    status: t.status,
    round: t.round,
    rounds: t.rounds.map((r) => ({
      round: r.round,
      status: r.status,
      accuracy: r.accuracy,
      loss: r.loss,
      participants: r.participants,
      dropouts: r.dropouts,
      ...(r.epsilon === undefined ? {} : { epsilon: r.epsilon }),
      ...(r.error === undefined ? {} : { error: r.error }),
    })),
    clients: t.clients.length,
    modelReady: t.modelReady,
    modelCid: t.modelCid,
    awaitingOwner: t.awaitingOwner ?? null,
    ...(t.topology === undefined ? {} : { topology: t.topology }),
    error: t.error,
    createdAt: t.createdAt,
    finishedAt: t.finishedAt,
  }
}

/** A training for people: status, progress, the model, then its rounds. */
export function describeTraining(t: FlTraining): string {
  const lines = [
    `training ${t.id}${t.name === null ? '' : ` (${t.name})`}: ${t.status}, round ${t.round}/${t.config.rounds}, ${t.clients.length} clients${t.evaluators.length > 0 ? `, evaluated on ${t.evaluators[0]?.dataset}` : ''}`,
  ]
  if (t.error !== null) lines.push(`error ${t.error.code}: ${t.error.message}`)
  if (t.awaitingOwner !== null && t.awaitingOwner !== undefined) lines.push(`round ${t.awaitingOwner} waits for you to decrypt it: keep \`w3ai fl owner ${t.id}\` running (from the home that started it)`)
  if (t.modelCid !== null) lines.push(`model: ${t.modelCid} (serve it: \`w3ai model serve ${t.modelCid}\`)`)
  else if (t.modelReady && TERMINAL_FL_STATUSES.has(t.status)) lines.push(`model not stored yet: \`w3ai fl save ${t.id}\``)
  if (t.rounds.length > 0) lines.push('', roundsTable(t.rounds))
  return lines.join('\n')
}

export const TRAINING_COLUMNS = ['ID', 'STATUS', 'ROUND', 'ACCURACY', 'CLIENTS', 'MODEL', 'CREATED']

export function trainingRow(t: FlTraining | FlTrainingSummary): string[] {
  const [planned, accuracy, clients] = isFull(t) ? [t.config.rounds, t.rounds.at(-1)?.accuracy, t.clients.length] : [t.roundsPlanned, t.accuracy, t.clientCount]
  return [t.id, t.status, `${t.round}/${planned}`, num(accuracy), String(clients), t.modelCid ?? '-', t.createdAt]
}
