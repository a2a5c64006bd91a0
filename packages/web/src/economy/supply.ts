/**
 * Treasury and burned supply over time, built from the public journal: the posted balances of the
 * `treasury` and `burn` accounts replayed entry by entry (a plain transfer or the post of a pending
 * one moves posted balances; a reservation, void or expiry does not), one point per entry that
 * changed either, at the entry's time. Extended page by page as the journal grows, so a poll reads
 * only the entries after the last one seen.
 */
import type { JournalEntryWire } from '@w3ai/protocol'

export interface SupplyPoint {
  seq: number
  at: string
  /** Posted balances after this entry, in units. */
  treasury: bigint
  burned: bigint
}

export interface SupplySeries {
  /** The last journal seq replayed (0: none). */
  lastSeq: number
  treasury: bigint
  burned: bigint
  points: SupplyPoint[]
  /** Whether the faucet was ever funded: the journal mints to it only on networks with one. */
  faucetFunded: boolean
}

export const EMPTY_SUPPLY: SupplySeries = Object.freeze({ lastSeq: 0, treasury: 0n, burned: 0n, points: [], faucetFunded: false }) as SupplySeries

/** The series after `entries` (the next ones after `series.lastSeq`, in order; ones already seen are skipped). */
export function extendSupply(series: SupplySeries, entries: readonly JournalEntryWire[]): SupplySeries {
  let { lastSeq, treasury, burned, faucetFunded } = series
  const points = [...series.points]
  for (const e of entries) {
    if (e.seq <= lastSeq) continue
    lastSeq = e.seq
    if (e.credit === 'faucet' && e.kind === 'genesis') faucetFunded = true
    if (e.action !== 'transfer' && e.action !== 'post') continue
    const amount = BigInt(e.amount)
    const delta = (account: string): bigint => (e.credit === account ? amount : 0n) - (e.debit === account ? amount : 0n)
    const toTreasury = delta('treasury')
    const toBurn = delta('burn')
    if (toTreasury === 0n && toBurn === 0n) continue
    treasury += toTreasury
    burned += toBurn
    points.push({ seq: e.seq, at: e.at, treasury, burned })
  }
  return { lastSeq, treasury, burned, points, faucetFunded }
}
