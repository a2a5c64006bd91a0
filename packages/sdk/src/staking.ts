/**
 * Staking for a node. A node stakes for itself: the HubClient must sign with the node's identity
 * (its home holds it), and the tokens come from the node's earnings account node:<nodeId> (fund it
 * with a wallet transfer). Unstaked tokens unbond for the governed unbondingMs (still slashable),
 * then return to node:<nodeId>. Amounts are units (1 token = 10^18 units).
 *
 * ```ts
 * const node = new HubClient({ url, identity: nodeIdentity })
 * const staking = new StakingClient(node)
 * await staking.stake(parseTokens('150'))
 * const { staked, eligible } = await staking.get(nodeIdentity.id)
 * const { unbonding } = await staking.unstake(parseTokens('50'))
 * ```
 */
import { randomBytes } from 'node:crypto'
import type { NodeStake, StakeReceipt } from '@w3ai/protocol'
import type { HubClient } from './client.js'

export interface StakeOptions {
  /** The request's idempotency key (^[A-Za-z0-9_.-]{1,32}$); default: a fresh one made here, so a retry after a lost answer moves nothing twice. */
  id?: string
  /** The node to act for; it must be the signer's (default: the signer's). */
  nodeId?: string
}

const newStakeId = (): string => `s${randomBytes(12).toString('hex')}`

export class StakingClient {
  constructor(private readonly hub: HubClient) {}

  /** Moves units from node:<nodeId> into the node's bonded stake. */
  stake(amount: bigint | string, options: StakeOptions = {}): Promise<StakeReceipt> {
    return this.post('/v1/staking/stake', amount, options)
  }

  /** Unbonds units of the node's stake: paid back to node:<nodeId> after the unbonding period. */
  unstake(amount: bigint | string, options: StakeOptions = {}): Promise<StakeReceipt> {
    return this.post('/v1/staking/unstake', amount, options)
  }

  /** A node's bonded stake, unbonding entries, the minimum and what was slashed (public). */
  get(nodeId: string): Promise<NodeStake> {
    return this.hub.request<NodeStake>('GET', `/v1/staking/${encodeURIComponent(nodeId)}`)
  }

  private post(path: string, amount: bigint | string, options: StakeOptions): Promise<StakeReceipt> {
    const body = { amount: amount.toString(), id: options.id ?? newStakeId(), ...(options.nodeId === undefined ? {} : { nodeId: options.nodeId }) }
    return this.hub.request<StakeReceipt>('POST', path, body, { idempotent: true })
  }
}
