/**
 * Conversions between the ledger's bigint forms and the wire's decimal strings
 * (@w3ai/protocol's LedgerAccountSchema, TransferSchema, TransferResultSchema).
 */
import type { LedgerAccountWire, TransferResultWire, TransferWire } from '@w3ai/protocol'
import { parseUnits } from './amount.js'
import type { Account, StoredTransfer, TransferResult } from './types.js'

export function accountToWire(a: Account): LedgerAccountWire {
  return {
    id: a.id,
    kind: a.kind,
    owner: a.owner,
    flags: { ...a.flags },
    debitsPosted: a.debitsPosted.toString(),
    creditsPosted: a.creditsPosted.toString(),
    debitsPending: a.debitsPending.toString(),
    creditsPending: a.creditsPending.toString(),
  }
}

/** Throws LEDGER_BAD_AMOUNT / LEDGER_AMOUNT_OVERFLOW on a malformed sum. */
export function accountFromWire(w: LedgerAccountWire): Account {
  return {
    id: w.id,
    kind: w.kind,
    owner: w.owner,
    flags: { debitsMustNotExceedCredits: w.flags.debitsMustNotExceedCredits, creditsMustNotExceedDebits: w.flags.creditsMustNotExceedDebits },
    debitsPosted: parseUnits(w.debitsPosted),
    creditsPosted: parseUnits(w.creditsPosted),
    debitsPending: parseUnits(w.debitsPending),
    creditsPending: parseUnits(w.creditsPending),
  }
}

export function transferToWire(t: StoredTransfer): TransferWire {
  return { ...t, amount: t.amount.toString() }
}

export function transferFromWire(w: TransferWire): StoredTransfer {
  return { ...w, amount: parseUnits(w.amount) }
}

export function resultToWire(r: TransferResult): TransferResultWire {
  const out: TransferResultWire = { id: r.id, code: r.code }
  if (r.transfer) out.transfer = transferToWire(r.transfer)
  if (r.message !== undefined) out.message = r.message
  return out
}
