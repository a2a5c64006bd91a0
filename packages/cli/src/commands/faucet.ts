/** `w3ai faucet [AMOUNT]`: test tokens on a devnet (other hubs refuse with LEDGER_FAUCET_DISABLED). */
import type { Command } from 'commander'
import { type CommonFlags } from '../context.js'
import { createOut } from '../output.js'
import { withCommon } from './common.js'
import { walletOf } from './wallet.js'
import { parseTokenAmount } from './wallet-args.js'
import { describeTransfer } from './wallet-views.js'

export function registerFaucetCommand(program: Command): void {
  withCommon(program.command('faucet'))
    .description("take test tokens into your account (devnets only; up to the hub's cap per account)")
    .argument('[amount]', "tokens, e.g. 100 (default: the hub's faucet amount)", parseTokenAmount('AMOUNT'))
    .action(async (amount: bigint | undefined, flags: CommonFlags) => {
      const { wallet } = await walletOf(flags)
      const t = await wallet.faucet(amount)
      createOut(flags.json === true).result(t, () => describeTransfer(t, 'received'))
    })
}
