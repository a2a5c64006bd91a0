/**
 * Account ids, kinds and default flags. User, node, stake, escrow, treasury, burn and faucet
 * accounts may never be overdrawn; genesis is the one account that issues tokens (its balance is
 * minus what was minted).
 */
import type { Account, AccountKind, Balances } from './types.js'

export const TRANSFER_ID = /^[A-Za-z0-9_.:-]{1,64}$/
const OWNED = /^(user|node|stake|escrow):([A-Za-z0-9_.:-]{1,64})$/
const NETWORK: ReadonlySet<string> = new Set(['treasury', 'burn', 'faucet', 'genesis'])
/** Accounts whose negative balance is what they issued: minted = −(their balances). */
export const ISSUERS: ReadonlySet<AccountKind> = new Set(['genesis'])

/** The kind of a well-formed account id, or undefined. */
export function accountKind(id: string): AccountKind | undefined {
  if (NETWORK.has(id)) return id as AccountKind
  const m = OWNED.exec(id)
  return m ? (m[1] as AccountKind) : undefined
}

/** A fresh account with zero sums and the kind's default flags; undefined for a malformed id. */
export function openAccount(id: string): Account | undefined {
  const kind = accountKind(id)
  if (kind === undefined) return undefined
  const m = OWNED.exec(id)
  const owner = m && kind !== 'escrow' ? (m[2] as string) : null
  return {
    id,
    kind,
    owner,
    flags: { debitsMustNotExceedCredits: kind !== 'genesis', creditsMustNotExceedDebits: false },
    ...zeroBalances(),
  }
}

export function zeroBalances(): Balances {
  return { debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n }
}

/** Posted balance: credits − debits. */
export function balanceOf(a: Balances): bigint {
  return a.creditsPosted - a.debitsPosted
}

/** What can still be spent: posted credits − posted debits − pending debits. */
export function availableOf(a: Balances): bigint {
  return a.creditsPosted - a.debitsPosted - a.debitsPending
}
