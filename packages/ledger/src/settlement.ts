/**
 * Pricing and settlement maths, in whole units (bigint) only: what a job, an upload or an
 * inference costs, how a payment splits between the nodes that did the work, the treasury and
 * the burn, and what a finished task is charged. Pure: the hub reads the governed parameters and
 * moves the amounts through its ledger service.
 *
 * Rounding never loses a unit: every division rounds down and what the rounding leaves goes to
 * the nodes (`nodes + treasury + burn === amount`, always).
 *
 * ```ts
 * const { nodes, treasury, burn } = splitFee(10_000n, { feeRateBps: 500, treasuryShareBps: 3000, burnShareBps: 2000 })
 * // fee 500 → treasury 150, burn 100, nodes 9750 (the rest of the fee stays with the nodes)
 * ```
 */
import type { ParameterValues } from './parameters.js'

const BPS = 10_000n
const GIB = 1024n ** 3n
const MS_PER_SECOND = 1000n

/** The parameters that split a payment. */
export type FeeParameters = Pick<ParameterValues, 'feeRateBps' | 'treasuryShareBps' | 'burnShareBps'>

/** A payment split: nodes + treasury + burn = the amount, to the unit. */
export interface FeeSplit {
  /** The network fee: feeRateBps of the amount, rounded down. */
  fee: bigint
  /** treasuryShareBps of the fee, rounded down. */
  treasury: bigint
  /** burnShareBps of the fee, rounded down. */
  burn: bigint
  /** The rest: the amount less the fee, plus what treasury and burn leave of it (their shares' rest and the rounding). */
  nodes: bigint
}

/** Whole units of `bps` basis points of `amount`, rounded down. */
export function shareOf(amount: bigint, bps: number): bigint {
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) throw new RangeError(`a share is 0..10000 basis points, not ${bps}`)
  if (amount < 0n) throw new RangeError('a share of a negative amount')
  return (amount * BigInt(bps)) / BPS
}

/**
 * Splits a payment: the fee (feeRateBps of it) goes to the treasury (treasuryShareBps of the
 * fee) and the burn (burnShareBps of the fee); the nodes keep everything else, including the part
 * of the fee neither takes and every unit the rounding leaves.
 */
export function splitFee(amount: bigint, p: FeeParameters): FeeSplit {
  if (p.treasuryShareBps + p.burnShareBps > 10_000) throw new RangeError('treasuryShareBps + burnShareBps may not pass 10000')
  const fee = shareOf(amount, p.feeRateBps)
  const treasury = shareOf(fee, p.treasuryShareBps)
  const burn = shareOf(fee, p.burnShareBps)
  return { fee, treasury, burn, nodes: amount - treasury - burn }
}

/** The kinds of compute a price is set for. */
export type ResourceClass = 'cpu' | 'gpu'

/** The class of a task from what it needs of a node: gpu when it needs a GPU, cpu otherwise. */
export function resourceClassOf(needs: { gpus?: number; gpuMemoryGb?: number; cpuCores?: number; memoryGb?: number }): ResourceClass {
  return (needs.gpus ?? 0) > 0 || (needs.gpuMemoryGb ?? 0) > 0 ? 'gpu' : 'cpu'
}

/** The governed bounds of a price (units, inclusive). */
export interface PriceBounds {
  min: bigint
  max: bigint
}

/** The governed bounds of the compute price per task-second of a class. */
export function computePriceBounds(p: ParameterValues, resourceClass: ResourceClass): PriceBounds {
  return resourceClass === 'gpu'
    ? { min: p.computePricePerTaskSecondGpuMin, max: p.computePricePerTaskSecondGpuMax }
    : { min: p.computePricePerTaskSecondCpuMin, max: p.computePricePerTaskSecondCpuMax }
}

/** The governed bounds of the price per answered inference. */
export function servingPriceBounds(p: ParameterValues): PriceBounds {
  return { min: p.servingPricePerCallMin, max: p.servingPricePerCallMax }
}

/** The governed bounds of the storage price per GiB-hour. */
export function storagePriceBounds(p: ParameterValues): PriceBounds {
  return { min: p.storagePricePerGiBHourMin, max: p.storagePricePerGiBHourMax }
}

/** A node's price inside the governed bounds: the minimum when it set none, else its price clamped to [min, max]. */
export function priceWithin(advertised: bigint | undefined, bounds: PriceBounds): bigint {
  if (advertised === undefined) return bounds.min
  if (advertised < bounds.min) return bounds.min
  return advertised > bounds.max ? bounds.max : advertised
}

export interface ComputeQuoteInput {
  /** Units per task-second (the highest price among the nodes that may run it). */
  pricePerSecond: bigint
  /** The most a task may run, in seconds: what one replica can cost at most. */
  limitSeconds: number
  /** Replicas the job runs (its verification, or a spot check). */
  replicas: number
  /** Extra replicas a disagreement may add (0 for a single replica: one result has no one to disagree with). */
  tieBreakers: number
}

/** The most a job can cost: every replica it may run, at the time limit. */
export interface ComputeQuote extends ComputeQuoteInput {
  /** The most one replica costs: pricePerSecond × limitSeconds. */
  perReplica: bigint
  /** perReplica × (replicas + tieBreakers): what submission puts in escrow. */
  amount: bigint
}

/** The most a job can cost, held in escrow at submission. */
export function quoteCompute(q: ComputeQuoteInput): ComputeQuote {
  for (const [name, v] of [['limitSeconds', q.limitSeconds], ['replicas', q.replicas], ['tieBreakers', q.tieBreakers]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a whole number ≥ 0, not ${v}`)
  }
  const perReplica = q.pricePerSecond * BigInt(q.limitSeconds)
  return { ...q, perReplica, amount: perReplica * BigInt(q.replicas + q.tieBreakers) }
}

/**
 * What one replica that ran for `ms` costs: its time (at most the limit) × the price per second,
 * rounded down to the unit (a part of a unit is never charged).
 */
export function computeCharge(ms: number, pricePerSecond: bigint, limitSeconds: number): bigint {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a task time is ≥ 0 ms, not ${ms}`)
  const capped = BigInt(Math.min(Math.floor(ms), limitSeconds * 1000))
  return (capped * pricePerSecond) / MS_PER_SECOND
}

export interface StorageQuoteInput {
  /** Bytes the nodes hold (the object's size times the erasure code's n/k, as the caller decides). */
  storedBytes: bigint
  hours: number
  /** Units per GiB-hour. */
  pricePerGiBHour: bigint
}

/** Storage for `hours`: storedBytes × hours × price per GiB-hour, rounded up to the unit (a stored byte is never free). */
export function quoteStorage(q: StorageQuoteInput): bigint {
  if (q.storedBytes < 0n) throw new RangeError('stored bytes must be ≥ 0')
  if (!Number.isSafeInteger(q.hours) || q.hours < 0) throw new RangeError(`hours must be a whole number ≥ 0, not ${q.hours}`)
  const product = q.storedBytes * BigInt(q.hours) * q.pricePerGiBHour
  return (product + GIB - 1n) / GIB
}

/** `calls` answered inferences at `pricePerCall`. */
export function quoteServing(pricePerCall: bigint, calls = 1): bigint {
  if (!Number.isSafeInteger(calls) || calls < 0) throw new RangeError(`calls must be a whole number ≥ 0, not ${calls}`)
  return pricePerCall * BigInt(calls)
}
