/**
 * Genesis: the first batch of an empty ledger, minting the configured allocations out of the
 * 'genesis' account (the only account allowed a negative balance: minus what was minted).
 */
import type { TransferInput } from './types.js'

/** One genesis transfer per allocation (account id → units), ids 'genesis:<account>' so a restarted hub repeats them harmlessly. */
export function genesisBatch(allocations: Readonly<Record<string, bigint>>): TransferInput[] {
  return Object.entries(allocations)
    .filter(([, amount]) => amount > 0n)
    .map(([credit, amount]) => ({ id: `genesis:${credit}`, debit: 'genesis', credit, amount, kind: 'genesis' as const, memo: 'genesis allocation' }))
}
