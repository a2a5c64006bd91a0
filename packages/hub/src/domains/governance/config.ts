/**
 * Governance settings of a hub: the genesis values of the governance periods (a devnet shortens
 * them; once the network's parameter table is seeded only governance changes them), how often the
 * upkeep advances proposals, and the clock it reads (tests inject one).
 */
import { NETWORK_PARAMETERS, PARAMETER_NAMES, formatParameterValue } from '@w3ai/ledger'

export interface GovernanceSettings {
  /** Genesis value of votingDelayMs (default: the table's, 1 s). */
  votingDelayMs: number
  /** Genesis value of votingPeriodMs (default: the table's, 30 s). */
  votingPeriodMs: number
  /** Genesis value of timelockMs (default: the table's, 10 s). */
  timelockMs: number
  /** How often the upkeep opens, decides and executes proposals (default 250 ms). */
  upkeepIntervalMs: number
  /** The clock proposals are scheduled and judged by, ms since the epoch (default Date.now). */
  clock: () => number
}

/** Governance settings that may also come from the environment. */
export const GOVERNANCE_ENV: Record<Exclude<keyof GovernanceSettings, 'clock'>, string> = {
  votingDelayMs: 'W3AI_GOV_VOTING_DELAY_MS',
  votingPeriodMs: 'W3AI_GOV_VOTING_PERIOD_MS',
  timelockMs: 'W3AI_GOV_TIMELOCK_MS',
  upkeepIntervalMs: 'W3AI_GOV_UPKEEP_MS',
}

export const GOVERNANCE_UPKEEP_MS = 250

function bounds(name: keyof typeof GOVERNANCE_ENV): { min: number; max: number } {
  if (name === 'upkeepIntervalMs') return { min: 10, max: 3600_000 }
  const spec = NETWORK_PARAMETERS[name]
  return { min: spec.min, max: spec.max }
}

/** Validates governance options and the environment once; `fail` makes the hub's configuration error naming the bad value. */
export function governanceSettings(options: Partial<GovernanceSettings>, env: NodeJS.ProcessEnv, fail: (message: string) => Error): GovernanceSettings {
  const pick = (name: keyof typeof GOVERNANCE_ENV, fallback: number): number => {
    const { min, max } = bounds(name)
    const given = options[name]
    const envName = GOVERNANCE_ENV[name]
    const raw = env[envName]
    const [value, label] = given !== undefined ? [given, `governance.${name}`] : raw !== undefined && raw !== '' ? [/^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN, envName] : [fallback, name]
    if (!Number.isSafeInteger(value) || value < min || value > max) throw fail(`${label} is ${JSON.stringify(given ?? raw)}; it must be a whole number of ms from ${min} to ${max}.`)
    return value
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') throw fail('governance.clock must be a function returning ms since the epoch.')
  return Object.freeze({
    votingDelayMs: pick('votingDelayMs', NETWORK_PARAMETERS.votingDelayMs.default),
    votingPeriodMs: pick('votingPeriodMs', NETWORK_PARAMETERS.votingPeriodMs.default),
    timelockMs: pick('timelockMs', NETWORK_PARAMETERS.timelockMs.default),
    upkeepIntervalMs: pick('upkeepIntervalMs', GOVERNANCE_UPKEEP_MS),
    clock: options.clock ?? Date.now,
  })
}

/** The values a network's parameter table starts with: the defaults, with the configured governance periods. */
export function genesisParameters(s: Pick<GovernanceSettings, 'votingDelayMs' | 'votingPeriodMs' | 'timelockMs'>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of PARAMETER_NAMES) out[name] = formatParameterValue(NETWORK_PARAMETERS[name].default)
  out.votingDelayMs = String(s.votingDelayMs)
  out.votingPeriodMs = String(s.votingPeriodMs)
  out.timelockMs = String(s.timelockMs)
  return out
}
