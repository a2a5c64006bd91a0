/**
 * `w3ai stake AMOUNT [--node ID]` and `w3ai unstake AMOUNT [--node ID]`: a node's stake, signed by
 * the node itself (the hub takes the node's key as its operator's credential). The node identity
 * is read from the node's home: the devnet's node ID in this home, else `<home>/node` (where
 * `w3ai node start` keeps it). Tokens come from the node's earnings account node:<ID>; fund it with
 * `w3ai wallet transfer node:<ID> AMOUNT`. Unstaked tokens return there after the unbonding period.
 */
import { join } from 'node:path'
import type { Command } from 'commander'
import { readIdentity, type Identity } from '@w3ai/crypto'
import { formatTokens } from '@w3ai/ledger'
import { W3aiError, type StakeReceipt } from '@w3ai/protocol'
import { StakingClient } from '@w3ai/sdk'
import { badArgument } from '../args.js'
import { homeOf, hubClientOf, type CommonFlags } from '../context.js'
import { readDevnetFile } from '../devnet-file.js'
import { createOut } from '../output.js'
import { withCommon } from './common.js'
import { parseTokenAmount } from './wallet-args.js'

interface StakeFlags extends CommonFlags {
  node?: string
  id?: string
}

const NODE_ID = /^n_[0-9a-f]{20}$/
const STAKE_ID = /^[A-Za-z0-9_.-]{1,32}$/

function parseNodeId(value: string): string {
  if (!NODE_ID.test(value)) throw badArgument('--node', value, 'a node id like n_0123456789abcdef0123')
  return value
}

function parseStakeId(value: string): string {
  if (!STAKE_ID.test(value)) throw badArgument('--id', value, '1 to 32 letters, digits, "_", "." or "-"')
  return value
}

/** The identity of the node to act for: --node among the devnet's nodes in this home, else `<home>/node`. */
export async function nodeIdentityOf(flags: StakeFlags): Promise<Identity> {
  const home = homeOf(flags)
  const candidates: string[] = []
  if (flags.node !== undefined) {
    const devnet = await readDevnetFile(home).catch(() => undefined)
    const recorded = devnet?.nodes.find((n) => n.id === flags.node)
    if (recorded !== undefined) candidates.push(recorded.home)
  }
  candidates.push(join(home, 'node'))
  for (const dir of candidates) {
    const identity = await readIdentity(dir).catch(() => undefined)
    if (identity?.kind === 'node' && (flags.node === undefined || identity.id === flags.node)) return identity
  }
  const which = flags.node === undefined ? 'a node identity' : `the identity of node ${flags.node}`
  throw new W3aiError('CLI_BAD_ARGUMENT', `No ${which} in ${join(home, 'node')}${flags.node === undefined ? '' : " or this home's devnet"}: only the node itself may stake; run this where its home is (--home), or name a devnet node with --node ID.`)
}

function describe(verb: string, r: StakeReceipt): string {
  const s = r.stake
  const lines = [
    `${verb} ${formatTokens(BigInt(r.amount))} tokens for node ${s.nodeId} (transfer ${r.transferId})`,
    `staked     ${formatTokens(BigInt(s.staked))} tokens (minimum ${formatTokens(BigInt(s.minimumStake))}: ${s.eligible ? 'eligible for all work' : 'small work only'})`,
  ]
  if (r.unbonding !== undefined) lines.push(`unbonding  ${formatTokens(BigInt(r.unbonding.balance))} tokens, back to node:${s.nodeId} at ${r.unbonding.releaseAt}`)
  if (s.slashed !== '0') lines.push(`slashed    ${formatTokens(BigInt(s.slashed))} tokens so far`)
  return lines.join('\n')
}

function register(program: Command, name: 'stake' | 'unstake', description: string): void {
  withCommon(program.command(name))
    .description(description)
    .argument('<amount>', 'tokens, e.g. 150 (at most 18 decimals)', parseTokenAmount('AMOUNT'))
    .option('--node <id>', 'the node to act for: one of the devnet in this home (default: the node identity in <home>/node)', parseNodeId)
    .option('--id <id>', 'the request id, your idempotency key (default: a fresh random one)', parseStakeId)
    .action(async (amount: bigint, flags: StakeFlags) => {
      const identity = await nodeIdentityOf(flags)
      const staking = new StakingClient(await hubClientOf(flags, identity))
      const options = flags.id === undefined ? {} : { id: flags.id }
      const receipt = name === 'stake' ? await staking.stake(amount, options) : await staking.unstake(amount, options)
      createOut(flags.json === true).result(receipt, () => describe(name === 'stake' ? 'staked' : 'unstaking', receipt))
    })
}

export function registerStakeCommands(program: Command): void {
  register(program, 'stake', "stake tokens for your node from its earnings account node:<id> (signed by the node's identity); nodes under the network's minimum stake get only small work")
  register(program, 'unstake', 'unstake tokens of your node: they unbond (still slashable) for the unbonding period, then return to node:<id>')
}
