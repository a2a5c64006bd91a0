/**
 * Arguments of `w3ai wallet` and `w3ai faucet`, checked before any request: an amount of tokens
 * (parsed with @w3ai/ledger's parseTokens, so the CLI and the hub agree to the unit), the account
 * that receives a transfer, and a transfer id. Each throws CLI_BAD_ARGUMENT naming the value.
 */
import { parseTokens } from '@w3ai/ledger'
import { W3aiError } from '@w3ai/protocol'
import { badArgument } from '../args.js'

/** The ids a wallet may choose for its transfers (ids with ':' are the network's own). */
const TRANSFER_ID = /^[A-Za-z0-9_.-]{1,64}$/
const ACCOUNT_ID = /^a_[0-9a-f]{20}$/
const NODE_ID = /^n_[0-9a-f]{20}$/
const RECIPIENT = /^(user:a_[0-9a-f]{20}|node:n_[0-9a-f]{20})$/

/** An amount of tokens ("1.5", at most 18 decimals) → units; zero and anything parseTokens refuses are CLI_BAD_ARGUMENT. */
export function parseTokenAmount(what: string): (value: string) => bigint {
  return (value) => {
    let units: bigint
    try {
      units = parseTokens(value)
    } catch (err) {
      const reason = err instanceof W3aiError && err.code === 'LEDGER_AMOUNT_OVERFLOW' ? 'tokens up to 2^127 - 1 units' : 'tokens like 1.5 (digits, at most 18 decimals, no sign or exponent)'
      throw badArgument(what, value, reason)
    }
    if (units === 0n) throw badArgument(what, value, 'more than zero tokens')
    return units
  }
}

/**
 * Who receives a transfer, as the hub's wallet route takes it: an account id (its user account),
 * user:<accountId> or node:<nodeId>; a bare node id n_… means node:<nodeId>.
 */
export function parseRecipient(value: string): string {
  if (ACCOUNT_ID.test(value) || RECIPIENT.test(value)) return value
  if (NODE_ID.test(value)) return `node:${value}`
  throw badArgument('ACCOUNT', value, 'an account id like a_0123456789abcdef0123, user:<account id>, or a node id (n_… or node:n_…)')
}

/** `--id ID`: the transfer's idempotency key. */
export function parseTransferId(value: string): string {
  if (!TRANSFER_ID.test(value)) throw badArgument('--id', value, '1 to 64 letters, digits, "_", "." or "-"')
  return value
}
