/**
 * Staking settings of a hub: the free limit (work worth more than it goes only to nodes holding
 * the governed minimumStake), how often unbonded stake is released, and how many unbonding entries
 * a node may have open. The governed values themselves (minimumStake, slashing rates,
 * unbondingMs) are read through NetworkParameters.
 */
import { MAX_AMOUNT, parseTokens, UNITS_PER_TOKEN } from '@w3ai/ledger'

export interface StakingSettings {
  /**
   * The most one replica of a task may be worth (units: the governed minimum compute price of its
   * class × the billed task seconds) and still go to a node without minimumStake. Applies only with
   * billing on. Default 1 token; W3AI_STAKE_FREE_WORK_MAX in tokens ("0" makes every paid task need stake).
   */
  freeWorkMax: bigint
  /** How often the upkeep releases unbonding entries whose period is over (ms; default 1000; W3AI_STAKE_RELEASE_MS). */
  releaseIntervalMs: number
  /** Unbonding entries one node may have open at once (default 32). */
  maxUnbonding: number
  /** The clock unbonding periods are measured by, ms since the epoch (default Date.now; tests inject one). */
  clock: () => number
}

export const STAKING_ENV = {
  freeWorkMax: 'W3AI_STAKE_FREE_WORK_MAX',
  releaseIntervalMs: 'W3AI_STAKE_RELEASE_MS',
} as const

export const STAKING_DEFAULTS = {
  freeWorkMax: UNITS_PER_TOKEN,
  releaseIntervalMs: 1000,
  maxUnbonding: 32,
} as const

/** Validates staking options and the environment once; `fail` makes the hub's configuration error naming the bad value. */
export function stakingSettings(options: Partial<StakingSettings>, env: NodeJS.ProcessEnv, fail: (message: string) => Error): StakingSettings {
  let freeWorkMax = options.freeWorkMax
  if (freeWorkMax !== undefined && (typeof freeWorkMax !== 'bigint' || freeWorkMax < 0n || freeWorkMax > MAX_AMOUNT)) throw fail('staking.freeWorkMax must be a bigint of units from 0 to 2^127 - 1.')
  if (freeWorkMax === undefined) {
    const raw = env[STAKING_ENV.freeWorkMax]
    if (raw === undefined || raw === '') freeWorkMax = STAKING_DEFAULTS.freeWorkMax
    else if (raw.trim() === '0') freeWorkMax = 0n
    else {
      try {
        freeWorkMax = parseTokens(raw.trim())
      } catch {
        throw fail(`${STAKING_ENV.freeWorkMax}=${JSON.stringify(raw)} is not an amount of tokens (digits, at most 18 decimals).`)
      }
    }
  }
  const whole = (value: unknown, label: string, min: number, max: number): number => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw fail(`${label} is ${JSON.stringify(value)}; it must be a whole number from ${min} to ${max}.`)
    return value
  }
  const rawMs = env[STAKING_ENV.releaseIntervalMs]
  const releaseIntervalMs =
    options.releaseIntervalMs !== undefined ? whole(options.releaseIntervalMs, 'staking.releaseIntervalMs', 10, 3600_000)
    : rawMs !== undefined && rawMs !== '' ? whole(/^\s*\d+\s*$/.test(rawMs) ? Number(rawMs) : NaN, STAKING_ENV.releaseIntervalMs, 10, 3600_000)
    : STAKING_DEFAULTS.releaseIntervalMs
  const maxUnbonding = whole(options.maxUnbonding ?? STAKING_DEFAULTS.maxUnbonding, 'staking.maxUnbonding', 1, 1000)
  if (options.clock !== undefined && typeof options.clock !== 'function') throw fail('staking.clock must be a function returning ms since the epoch.')
  return Object.freeze({ freeWorkMax, releaseIntervalMs, maxUnbonding, clock: options.clock ?? Date.now })
}
