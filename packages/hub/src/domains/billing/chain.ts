/**
 * A settlement as one linked ledger chain: post what was consumed of a held (pending) amount into
 * its escrow account, pay each node its part, then the treasury and the burn their shares of the
 * fee. All of it is applied or none (a linked chain), and every transfer id derives from `ref`,
 * so a settlement retried after a crash applies once.
 */
import { splitFee, type FeeParameters, type FeeSplit, type TransferInput } from '@w3ai/ledger'

export interface Payee {
  /** The ledger account paid (node:<nodeId>). */
  account: string
  /** What its work cost (units): its weight in the split of the nodes' part. */
  charge: bigint
  /** Public in the journal on its payment: how the charge was reckoned. */
  memo?: string
}

export interface SettlementInput {
  /** Transfer id prefix, unique per settled thing (job:<jobId>, srv:<requestId>). */
  ref: string
  /** The pending transfer holding the owner's funds. */
  hold: string
  /** The escrow account the hold credits. */
  escrow: string
  payees: readonly Payee[]
  fees: FeeParameters
}

export interface Settlement {
  /** Σ charges: what the owner pays (the rest of the hold is released). */
  total: bigint
  split: FeeSplit
  /** What each payee receives: its share of split.nodes. */
  payments: Map<string, bigint>
  /** The chain to apply; empty when nothing was consumed (void the hold instead). */
  transfers: TransferInput[]
}

/**
 * Builds the settlement chain. The nodes' part (the total less the treasury and burn shares) is
 * divided in proportion to each payee's charge, rounded down; the units that rounding leaves go
 * one each to the payees in account order, so the parts add up to the total exactly.
 */
export function settlementChain(s: SettlementInput): Settlement {
  const total = s.payees.reduce((sum, p) => sum + p.charge, 0n)
  const split = splitFee(total, s.fees)
  const payments = new Map<string, bigint>()
  if (total === 0n) return { total, split, payments, transfers: [] }
  const merged = new Map<string, bigint>()
  const memos = new Map<string, string[]>()
  for (const p of s.payees) {
    merged.set(p.account, (merged.get(p.account) ?? 0n) + p.charge)
    if (p.memo !== undefined) memos.set(p.account, [...(memos.get(p.account) ?? []), p.memo])
  }
  const accounts = [...merged.keys()].sort()
  let given = 0n
  for (const account of accounts) {
    const part = (split.nodes * (merged.get(account) as bigint)) / total
    payments.set(account, part)
    given += part
  }
  for (let i = 0; given < split.nodes; i = (i + 1) % accounts.length) {
    const account = accounts[i] as string
    payments.set(account, (payments.get(account) as bigint) + 1n)
    given++
  }
  const transfers: TransferInput[] = [{ id: `${s.ref}:post`, post: s.hold, amount: total }]
  for (const account of accounts) {
    const amount = payments.get(account) as bigint
    const memo = memos.get(account)?.join('; ').slice(0, 200)
    if (amount > 0n) transfers.push({ id: `${s.ref}:pay:${account.replace(/^node:/, '')}`, debit: s.escrow, credit: account, amount, kind: 'settle', ...(memo === undefined ? {} : { memo }) })
  }
  if (split.treasury > 0n) transfers.push({ id: `${s.ref}:treasury`, debit: s.escrow, credit: 'treasury', amount: split.treasury, kind: 'fee' })
  if (split.burn > 0n) transfers.push({ id: `${s.ref}:burn`, debit: s.escrow, credit: 'burn', amount: split.burn, kind: 'burn' })
  return { total, split, payments, transfers: transfers.map((t, i) => (i < transfers.length - 1 ? { ...t, linked: true } : t)) }
}
