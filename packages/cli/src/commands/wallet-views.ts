/**
 * Human views of `w3ai wallet` and `w3ai faucet`: amounts in tokens (the exact decimal form of the
 * units, never rounded); --json prints the hub's wire objects instead, amounts as strings of units.
 */
import { formatTokens } from '@w3ai/ledger'
import type { JournalEntryWire, TransferWire, Wallet } from '@w3ai/protocol'

/** Units (a decimal string, maybe negative) as tokens: "1500000000000000000" → "1.5". */
export const tokens = (units: string): string => formatTokens(BigInt(units))

export function describeWallet(w: Wallet): string {
  return [`account    ${w.account}`, `balance    ${tokens(w.balance)} tokens`, `available  ${tokens(w.available)}`, `pending    ${tokens(w.pending)}`].join('\n')
}

export const HISTORY_COLUMNS = ['SEQ', 'AT', 'KIND', 'ACTION', 'AMOUNT', 'FROM/TO', 'TRANSFER']

/** One journal entry seen from `account`: what came in (+) or went out (−), and the other side. */
export function historyRow(e: JournalEntryWire, account: string): string[] {
  const incoming = e.credit === account
  return [String(e.seq), e.at, e.kind, e.action, `${incoming ? '+' : '-'}${tokens(e.amount)}`, incoming ? `from ${e.debit}` : `to ${e.credit}`, e.transferId]
}

export function describeTransfer(t: TransferWire, verb: string): string {
  return `${verb} ${tokens(t.amount)} tokens from ${t.debit} to ${t.credit} (transfer ${t.id}, journal seq ${t.seq}, ${t.status})`
}
