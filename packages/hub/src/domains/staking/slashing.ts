/**
 * Slashing as transfers: `bps` of every stake account of a node (its bonded stake and each entry
 * still unbonding) goes to the burn, in one linked chain so the slash applies whole or not at all.
 * Ids derive from the event that caused it, so the same event never slashes twice: a retry
 * answers 'exists' (or LEDGER_ID_CONFLICT when balances moved since), never a second slash.
 */
import { createHash } from 'node:crypto'
import type { TransferInput } from '@w3ai/ledger'

/** Why a node is slashed: a failed storage audit, or a compute result outvoted by a verification majority. */
export type SlashReason = 'audit' | 'result'

/** The base transfer id of a slash for event `ref` (short refs kept readable, long ones hashed to fit 64 characters with an entry suffix). */
export function slashId(ref: string): string {
  const key = ref.length <= 32 && /^[A-Za-z0-9_.:-]+$/.test(ref) ? ref : createHash('sha256').update(ref).digest('hex').slice(0, 32)
  return `slash:${key}`
}

/** The slash of a failed audit: the node's failed-audit count makes each failure its own event. */
export const auditSlashRef = (nodeId: string, failures: number): string => `a:${nodeId}:${failures}`
/** The slash of a wrong result: one per node per job. */
export const resultSlashRef = (jobId: string, nodeId: string): string => `r:${jobId}:${nodeId}`

/**
 * The transfers of one slash: floor(balance × bps / 10000) from each account with something to
 * take, the first (bonded) account under the base id, each unbonding entry under `<base>:<entry>`.
 * Empty when nothing is taken.
 */
export function slashTransfers(ref: string, reason: SlashReason, bps: number, accounts: ReadonlyArray<{ id: string; entryId: string | null; balance: bigint }>): TransferInput[] {
  const base = slashId(ref)
  const out: TransferInput[] = []
  for (const a of accounts) {
    const amount = (a.balance * BigInt(bps)) / 10_000n
    if (amount <= 0n) continue
    out.push({ id: a.entryId === null ? base : `${base}:${a.entryId}`, debit: a.id, credit: 'burn', amount, kind: 'slash', memo: `slash: ${reason === 'audit' ? 'failed storage audit' : 'wrong compute result'}` })
  }
  return out.map((t, i) => (i < out.length - 1 ? { ...t, linked: true } : t))
}
