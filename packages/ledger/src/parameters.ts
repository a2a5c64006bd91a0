/**
 * The network parameters: one table of every governed value (fee split, price bounds, rewards,
 * redundancy, stake and slashing, the governance rules themselves), each with its kind, default
 * and bounds. Values are whole numbers: shares in basis points, amounts in units (bigint), periods
 * in ms, counts. On the wire and in SQL every value is a decimal string. Changing one is a
 * governance action; the defaults are a devnet's (short periods, small amounts).
 *
 * ```ts
 * const values = withChanges(defaultParameters(), [parseChange('burnShareBps', '2500')])
 * values.burnShareBps // 2500
 * ```
 */
import { W3aiError } from '@w3ai/protocol'
import { MAX_AMOUNT, UNITS_PER_TOKEN } from './amount.js'

/** share: basis points 0..10000; units: an amount (1 token = 10^18 units); ms: a period; count: a number of things. */
export type ParameterKind = 'share' | 'units' | 'ms' | 'count'

export type ParameterSpec =
  | { kind: 'units'; default: bigint; min: bigint; max: bigint; doc: string }
  | { kind: 'share' | 'ms' | 'count'; default: number; min: number; max: number; doc: string }

const DAY = 24 * 3600_000
const T = UNITS_PER_TOKEN
const share = (dflt: number, doc: string, min = 0, max = 10_000) => ({ kind: 'share', default: dflt, min, max, doc }) as const
const units = (dflt: bigint, doc: string) => ({ kind: 'units', default: dflt, min: 0n, max: MAX_AMOUNT, doc }) as const
const ms = (dflt: number, min: number, max: number, doc: string) => ({ kind: 'ms', default: dflt, min, max, doc }) as const
const count = (dflt: number, min: number, max: number, doc: string) => ({ kind: 'count', default: dflt, min, max, doc }) as const

/** Every governed parameter: name → kind, default, bounds (inclusive) and what it means. */
export const NETWORK_PARAMETERS = {
  feeRateBps: share(500, 'Network fee: the share of every payment for storage, compute or serving taken as the fee.'),
  burnShareBps: share(2000, 'The share of the fee that is burned.'),
  treasuryShareBps: share(3000, 'The share of the fee paid to the treasury; burn + treasury may not pass 10000, the rest of the fee goes to the nodes that did the work.'),
  storagePricePerGiBHourMin: units(10n ** 13n, 'Lowest storage price a node may set, per GiB-hour (units).'),
  storagePricePerGiBHourMax: units(10n ** 16n, 'Highest storage price a node may set, per GiB-hour (units).'),
  egressPricePerGiBMin: units(10n ** 14n, 'Lowest egress price a node may set, per GiB served (units).'),
  egressPricePerGiBMax: units(10n ** 17n, 'Highest egress price a node may set, per GiB served (units).'),
  computePricePerTaskSecondCpuMin: units(10n ** 12n, 'Lowest compute price a node may set for CPU work, per task-second (units).'),
  computePricePerTaskSecondCpuMax: units(10n ** 15n, 'Highest compute price a node may set for CPU work, per task-second (units).'),
  computePricePerTaskSecondGpuMin: units(10n ** 13n, 'Lowest compute price a node may set for GPU work, per task-second (units).'),
  computePricePerTaskSecondGpuMax: units(10n ** 16n, 'Highest compute price a node may set for GPU work, per task-second (units).'),
  servingPricePerCallMin: units(10n ** 12n, 'Lowest price a node may set per answered inference call (units).'),
  servingPricePerCallMax: units(10n ** 16n, 'Highest price a node may set per answered inference call (units).'),
  storageRewardPerGiBEpoch: units(10n ** 15n, 'Reward per GiB stored for an epoch, paid only for pieces whose audits passed (units).'),
  computeRewardShareBps: share(1000, 'Reward for an accepted (verified or unchallenged) compute result, as a share of its price, paid on top of it from the treasury.'),
  defaultRedundancyK: count(4, 1, 63, 'Default erasure coding: pieces needed to rebuild a segment (k).'),
  defaultRedundancyN: count(6, 2, 64, 'Default erasure coding: pieces stored per segment (n ≥ k).'),
  verificationShareBps: share(1000, 'The share of a compute payment that pays for verification (replicas, spot checks).'),
  minimumStake: units(100n * T, 'Stake a node operator must hold to receive work above the smallest jobs (units).'),
  slashAuditBps: share(500, 'Share of its stake a node loses for a failed storage audit.'),
  slashWrongResultBps: share(5000, 'Share of its stake a node loses for a compute result proven wrong.'),
  unbondingMs: ms(60_000, 0, 365 * DAY, 'How long unstaked tokens stay locked (slashable) before they are paid out.'),
  quorumBps: share(400, "Quorum: votes cast (for, against and abstain) must reach this share of the voting supply at the proposal's snapshot.", 1, 10_000),
  thresholdBps: share(5000, 'A proposal passes when for / (for + against) is above this share.', 5000, 9999),
  votingDelayMs: ms(1000, 0, 30 * DAY, 'Time from a proposal to the opening of its vote.'),
  votingPeriodMs: ms(30_000, 100, 90 * DAY, 'How long a vote stays open.'),
  timelockMs: ms(10_000, 0, 30 * DAY, 'Time from the end of a successful vote to the execution of its changes.'),
} as const satisfies Record<string, ParameterSpec>

export type ParameterName = keyof typeof NETWORK_PARAMETERS
/** The typed value of a parameter: bigint for amounts, number for shares, periods and counts. */
export type ParameterValue<N extends ParameterName> = (typeof NETWORK_PARAMETERS)[N]['kind'] extends 'units' ? bigint : number
/** A value for every parameter. */
export type ParameterValues = { [N in ParameterName]: ParameterValue<N> }
/** One change as proposed: a parameter and its new value. */
export interface ParameterChange {
  name: ParameterName
  value: bigint | number
}

export const PARAMETER_NAMES = Object.keys(NETWORK_PARAMETERS) as ParameterName[]
/** The longest decimal string a value may be (2^127 − 1 has 39 digits). */
const DIGITS = /^(0|[1-9][0-9]{0,38})$/

export function isParameterName(name: unknown): name is ParameterName {
  return typeof name === 'string' && Object.hasOwn(NETWORK_PARAMETERS, name)
}

export function parameterSpec(name: ParameterName): ParameterSpec {
  return NETWORK_PARAMETERS[name]
}

const bad = (message: string, details: Record<string, unknown>): W3aiError => new W3aiError('GOV_BAD_PARAMETER', message, details)

/** A wire value ("2500") of the named parameter, checked against its kind and bounds; GOV_BAD_PARAMETER naming it otherwise. */
export function parseChange(name: string, text: unknown): ParameterChange {
  if (!isParameterName(name)) throw bad(`${JSON.stringify(String(name).slice(0, 64))} is not a network parameter (see GET /v1/parameters).`, { name: String(name).slice(0, 64) })
  const spec = parameterSpec(name)
  const range = `${String(spec.min)} to ${String(spec.max)}`
  if (typeof text !== 'string' || !DIGITS.test(text)) {
    throw bad(`${name}: ${JSON.stringify(String(text).slice(0, 64))} is not a whole number (decimal digits, no sign); it must be from ${range}.`, { name, min: String(spec.min), max: String(spec.max) })
  }
  const n = BigInt(text)
  if (n < BigInt(spec.min) || n > BigInt(spec.max)) throw bad(`${name}: ${text} is out of bounds; it must be from ${range}.`, { name, value: text, min: String(spec.min), max: String(spec.max) })
  return { name, value: spec.kind === 'units' ? n : Number(n) }
}

/** The wire form of a value: its decimal string. */
export function formatParameterValue(value: bigint | number): string {
  return typeof value === 'bigint' ? value.toString() : String(Math.trunc(value))
}

/** Every parameter at its default. */
export function defaultParameters(): ParameterValues {
  const out: Record<string, bigint | number> = {}
  for (const name of PARAMETER_NAMES) out[name] = NETWORK_PARAMETERS[name].default
  return out as ParameterValues
}

/** Pairs whose first must not exceed the second. */
const ORDERED: ReadonlyArray<[ParameterName, ParameterName]> = [
  ['storagePricePerGiBHourMin', 'storagePricePerGiBHourMax'],
  ['egressPricePerGiBMin', 'egressPricePerGiBMax'],
  ['computePricePerTaskSecondCpuMin', 'computePricePerTaskSecondCpuMax'],
  ['computePricePerTaskSecondGpuMin', 'computePricePerTaskSecondGpuMax'],
  ['servingPricePerCallMin', 'servingPricePerCallMax'],
  ['defaultRedundancyK', 'defaultRedundancyN'],
]

/** What breaks the rules that tie parameters together, or null: the fee split fits in the fee, minimums stay under maximums, k < n. */
export function parameterRuleProblem(v: ParameterValues): { message: string; names: ParameterName[] } | null {
  if (v.burnShareBps + v.treasuryShareBps > 10_000) {
    return { message: `burnShareBps + treasuryShareBps is ${v.burnShareBps + v.treasuryShareBps}; together they may not pass 10000.`, names: ['burnShareBps', 'treasuryShareBps'] }
  }
  for (const [lo, hi] of ORDERED) {
    const strict = lo === 'defaultRedundancyK'
    if (strict ? v[lo] >= v[hi] : v[lo] > v[hi]) return { message: `${lo} (${String(v[lo])}) must be ${strict ? 'below' : 'at most'} ${hi} (${String(v[hi])}).`, names: [lo, hi] }
  }
  return null
}

/**
 * The values after `changes`, which must name each parameter once and keep the rules that tie
 * parameters together; GOV_BAD_PARAMETER naming the parameters otherwise.
 */
export function withChanges(current: ParameterValues, changes: readonly ParameterChange[]): ParameterValues {
  const next: Record<string, bigint | number> = { ...current }
  const seen = new Set<string>()
  for (const c of changes) {
    if (seen.has(c.name)) throw bad(`${c.name} is changed twice in one proposal; name each parameter once.`, { name: c.name })
    seen.add(c.name)
    next[c.name] = c.value
  }
  const values = next as ParameterValues
  const problem = parameterRuleProblem(values)
  if (problem) throw bad(problem.message, { names: problem.names })
  return values
}

/**
 * Values from stored decimal strings: a stored value is checked like a proposed one, a missing
 * parameter (one added after the table was seeded) takes its default.
 */
export function readParameterValues(stored: Readonly<Record<string, string>>): ParameterValues {
  const out: Record<string, bigint | number> = {}
  for (const name of PARAMETER_NAMES) {
    const text = stored[name]
    out[name] = text === undefined ? NETWORK_PARAMETERS[name].default : parseChange(name, text).value
  }
  return out as ParameterValues
}
