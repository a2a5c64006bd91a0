/**
 * `w3ai wallet balance|history|transfer`: your user account on the hub's ledger (user:<account id>).
 * Amounts are typed and shown in tokens; --json prints the hub's answers, amounts as strings of
 * units (1 token = 10^18 units).
 */
import type { Command } from 'commander'
import type { Identity } from '@w3ai/crypto'
import { DEFAULT_PAGE_LIMIT } from '@w3ai/protocol'
import { WalletClient } from '@w3ai/sdk'
import { accountIdentityOf, hubClientOf, type CommonFlags } from '../context.js'
import { createOut, table } from '../output.js'
import { withCommon } from './common.js'
import { listWith, moreNote, withListOptions, type ListFlags } from './paging.js'
import { parseRecipient, parseTokenAmount, parseTransferId } from './wallet-args.js'
import { describeTransfer, describeWallet, HISTORY_COLUMNS, historyRow } from './wallet-views.js'

/** The wallet of the account in the home, and that account's id. */
export async function walletOf(flags: CommonFlags): Promise<{ wallet: WalletClient; identity: Identity }> {
  const identity = await accountIdentityOf(flags)
  return { wallet: new WalletClient(await hubClientOf(flags, identity)), identity }
}

export function registerWalletCommands(program: Command): void {
  const wallet = program.command('wallet').description('your tokens: balance, history and transfers (amounts in tokens, up to 18 decimals)')

  withCommon(wallet.command('balance'))
    .description('balance, available (balance minus reserved) and pending (reserved) tokens of your account')
    .action(async (flags: CommonFlags) => {
      const { wallet: client } = await walletOf(flags)
      const w = await client.balance()
      createOut(flags.json === true).result(w, () => describeWallet(w))
    })

  withListOptions(withCommon(wallet.command('history')))
    .description(`the journal entries that moved your tokens, newest first: the first ${DEFAULT_PAGE_LIMIT}, --limit N or --all (--json prints an array)`)
    .action(async (flags: CommonFlags & ListFlags) => {
      const { wallet: client, identity } = await walletOf(flags)
      const account = `user:${identity.id}`
      const limit = flags.limit ?? (flags.all === true ? undefined : DEFAULT_PAGE_LIMIT)
      const listed = await listWith({ ...flags, ...(limit === undefined ? {} : { limit }) }, { list: (q) => client.history(q), all: (q) => client.allHistory(q) })
      const entries = listed.items
      createOut(flags.json === true).result(entries, () => (entries.length === 0 ? 'no entries' : table(HISTORY_COLUMNS, entries.map((e) => historyRow(e, account)))))
      moreNote(listed, 'entries', 'w3ai wallet history')
    })

  withCommon(wallet.command('transfer'))
    .description('send tokens to an account (a_…, user:a_…) or a node (n_…, node:n_…); sending again with the same --id moves nothing twice')
    .argument('<account>', 'who receives: an account id, user:<account id>, or a node id', parseRecipient)
    .argument('<amount>', 'tokens, e.g. 2.5 (at most 18 decimals)', parseTokenAmount('AMOUNT'))
    .option('--id <id>', 'the transfer id, your idempotency key (default: a fresh random one)', parseTransferId)
    .action(async (to: string, amount: bigint, flags: CommonFlags & { id?: string }) => {
      const { wallet: client } = await walletOf(flags)
      const t = await client.transfer({ to, amount, ...(flags.id === undefined ? {} : { id: flags.id }) })
      createOut(flags.json === true).result(t, () => describeTransfer(t, 'sent'))
    })
}
