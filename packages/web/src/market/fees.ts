/**
 * What a purchase costs and where the money goes, as the hub settles it (the billing domain's
 * settlement chain): the governed fee is feeRateBps of the amount (rounded down); the treasury gets
 * treasuryShareBps of the fee and the burn burnShareBps of it (each rounded down); the seller gets
 * the rest, the fee's remainder and the rounding included. All in bigint units, to the unit.
 */
import type { NetworkParameter } from '@w3ai/protocol'

export interface FeeParams {
  feeRateBps: number
  treasuryShareBps: number
  burnShareBps: number
}

export interface FeeSplit {
  /** What the buyer pays into escrow. */
  total: bigint
  fee: bigint
  treasury: bigint
  burn: bigint
  /** What the seller receives once the order settles. */
  seller: bigint
}

const BPS = 10_000n
const NAMES = ['feeRateBps', 'treasuryShareBps', 'burnShareBps'] as const

/** The fee parameters among GET /v1/parameters' answer, or null when any is missing or odd. */
export function feeParamsOf(parameters: readonly Pick<NetworkParameter, 'name' | 'value'>[]): FeeParams | null {
  const byName = new Map(parameters.map((p) => [p.name, p.value]))
  const out: Partial<FeeParams> = {}
  for (const name of NAMES) {
    const raw = byName.get(name)
    if (raw === undefined || !/^\d{1,5}$/.test(raw) || Number(raw) > 10_000) return null
    out[name] = Number(raw)
  }
  const p = out as FeeParams
  return p.treasuryShareBps + p.burnShareBps > 10_000 ? null : p
}

/** The split of `total` units by the governed fee parameters. */
export function splitFee(total: bigint, p: FeeParams): FeeSplit {
  const fee = (total * BigInt(p.feeRateBps)) / BPS
  const treasury = (fee * BigInt(p.treasuryShareBps)) / BPS
  const burn = (fee * BigInt(p.burnShareBps)) / BPS
  return { total, fee, treasury, burn, seller: total - treasury - burn }
}

/** What an order holds: the price, or calls × price for a per-call allowance. */
export function orderTotal(price: string | bigint, calls?: number): bigint {
  const units = typeof price === 'bigint' ? price : BigInt(price)
  return calls === undefined ? units : units * BigInt(calls)
}
