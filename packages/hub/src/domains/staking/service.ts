/**
 * Staking rules. Operator and node are one: the node's identity signs its stake and unstake, and
 * the tokens come from and return to its earnings account `node:<nodeId>` (where rewards and
 * payments land; its operator tops it up with a wallet transfer). So no registration field and no
 * second signature tie an operator to a node: whoever holds the node's key runs it.
 *
 * - stake: node:<id> → stake:<id> (kind 'stake').
 * - unstake: stake:<id> → stake:<id>:<entry> (kind 'unstake'); the entry stays slashable and is
 *   paid back to node:<id> once `unbondingMs` has passed (the upkeep calls releaseDue).
 * - slash: `slashAuditBps` / `slashWrongResultBps` of every stake account of the node → burn.
 *
 * Every movement goes through the ledger service under an id derived from the request or event.
 */
import { createHash, randomBytes } from 'node:crypto'
import { amountProblem, balanceOf, parseUnits, type Account, type TransferInput, type TransferResult } from '@w3ai/ledger'
import { W3aiError, type ErrorCode, type NodeStake, type StakeReceipt, type StakeRequest, type Unbonding } from '@w3ai/protocol'
import type { NetworkParameters } from '../governance/parameters.js'
import type { LedgerService } from '../ledger/service.js'
import { auditSlashRef, resultSlashRef, slashTransfers, type SlashReason } from './slashing.js'
import { stakeAccount, unbondingAccount, type StakingStore, type UnbondingRow } from './store.js'

export interface StakingComponents {
  store: StakingStore
  ledger: Pick<LedgerService, 'transfer' | 'balanceOf'>
  parameters: Pick<NetworkParameters, 'get'>
  /** Whether a node is registered. */
  nodeExists: (nodeId: string) => Promise<boolean>
  /** Told after a node's bonded stake changed (the router's index, other hubs through the bus). */
  stakeChanged: (nodeId: string, bonded: bigint) => void
  /** Most unbonding entries one node may have open at once. */
  maxUnbonding: number
  now?: () => number
  log: (msg: string, fields?: Record<string, unknown>) => void
}

/** Codes under which a transfer with this id was already applied. */
const APPLIED = new Set(['ok', 'exists', 'LEDGER_ID_CONFLICT'])

export class StakingService {
  private readonly now: () => number

  constructor(private readonly c: StakingComponents) {
    this.now = c.now ?? Date.now
  }

  /** Moves `amount` units from the signing node's earnings account into its stake. */
  async stake(signerNodeId: string, body: StakeRequest): Promise<StakeReceipt> {
    const nodeId = await this.operated(signerNodeId, body.nodeId)
    const amount = units(body.amount)
    const transferId = `stake:${nodeId}:${body.id ?? randomBytes(12).toString('hex')}`
    const [result] = await this.c.ledger.transfer([{ id: transferId, debit: `node:${nodeId}`, credit: stakeAccount(nodeId), amount, kind: 'stake', memo: 'stake' }])
    refuseUnless(result)
    await this.changed(nodeId)
    return { transferId, amount: amount.toString(), stake: await this.get(nodeId) }
  }

  /**
   * Moves `amount` units of bonded stake into a new unbonding entry, paid back to node:<nodeId>
   * after the governed unbonding period. A retry with the same id answers the same entry.
   */
  async unstake(signerNodeId: string, body: StakeRequest): Promise<StakeReceipt> {
    const nodeId = await this.operated(signerNodeId, body.nodeId)
    const amount = units(body.amount)
    const entryId = `ub_${createHash('sha256').update(`${nodeId}\n${body.id ?? randomBytes(12).toString('hex')}`).digest('hex').slice(0, 20)}`
    let entry = await this.c.store.unbonding(entryId)
    if (entry !== undefined && (entry.nodeId !== nodeId || entry.amount !== amount)) throw new W3aiError('LEDGER_ID_CONFLICT', 'An unstake with this id was made for another amount; use a new id.')
    if (entry === undefined) {
      if ((await this.c.store.openEntries(nodeId)).length >= this.c.maxUnbonding) throw new W3aiError('STAKE_TOO_MANY_UNBONDING', `A node may have ${this.c.maxUnbonding} unbonding entries open at once.`)
      if (await this.bonded(nodeId) < amount) throw new W3aiError('STAKE_INSUFFICIENT')
      const releaseAt = new Date(this.now() + (await this.c.parameters.get('unbondingMs')))
      // The entry is recorded before tokens move into it, so tokens never sit in an entry the upkeep does not know.
      await this.c.store.openUnbonding({ id: entryId, nodeId, amount, releaseAt })
      entry = (await this.c.store.unbonding(entryId)) as UnbondingRow
    }
    const transferId = `unstake:${entryId}`
    const [result] = await this.c.ledger.transfer([{ id: transferId, debit: stakeAccount(nodeId), credit: unbondingAccount(nodeId, entryId), amount, kind: 'unstake', memo: 'unstake: unbonding' }])
    if (result?.code === 'LEDGER_INSUFFICIENT_FUNDS') {
      await this.c.store.dropUnbonding(entryId)
      throw new W3aiError('STAKE_INSUFFICIENT')
    }
    refuseUnless(result)
    await this.changed(nodeId)
    return { transferId, amount: amount.toString(), unbonding: await this.unbondingView(entry), stake: await this.get(nodeId) }
  }

  /** A node's stake: bonded, unbonding entries, the minimum, everything slashed so far. */
  async get(nodeId: string): Promise<NodeStake> {
    if (!(await this.c.nodeExists(nodeId))) throw new W3aiError('NODE_NOT_FOUND')
    const staked = await this.bonded(nodeId)
    const minimumStake = await this.c.parameters.get('minimumStake')
    const unbonding = await Promise.all((await this.c.store.openEntries(nodeId)).map((e) => this.unbondingView(e)))
    const slashed = await this.c.store.slashedFrom(await this.c.store.allStakeAccounts(nodeId))
    return { nodeId, staked: staked.toString(), unbonding, minimumStake: minimumStake.toString(), eligible: staked >= minimumStake, slashed: slashed.toString() }
  }

  /** Slashes a node for a failed storage audit (its `failures`-th): slashAuditBps of its stake. */
  slashForAudit(nodeId: string, failures: number): Promise<bigint> {
    return this.slash(nodeId, auditSlashRef(nodeId, failures), 'audit')
  }

  /** Slashes a node whose result a verification majority outvoted: slashWrongResultBps of its stake. */
  slashForWrongResult(jobId: string, nodeId: string): Promise<bigint> {
    return this.slash(nodeId, resultSlashRef(jobId, nodeId), 'result')
  }

  /**
   * Takes the reason's share of every stake account of the node (bonded and unbonding) to the
   * burn, once per event `ref`. Returns the units taken now (0 when nothing was staked or the
   * event was slashed before).
   */
  async slash(nodeId: string, ref: string, reason: SlashReason): Promise<bigint> {
    const bps = await this.c.parameters.get(reason === 'audit' ? 'slashAuditBps' : 'slashWrongResultBps')
    if (bps <= 0) return 0n
    // Two tries: an unstake or a release between reading the balances and applying them refuses the chain.
    for (let attempt = 0; attempt < 2; attempt++) {
      const entries = await this.c.store.openEntries(nodeId)
      const accounts = [{ id: stakeAccount(nodeId), entryId: null as string | null }, ...entries.map((e) => ({ id: unbondingAccount(nodeId, e.id), entryId: e.id }))]
      const balances = await Promise.all(accounts.map(async (a) => ({ ...a, balance: balanceOr0(await this.c.ledger.balanceOf(a.id)) })))
      const transfers = slashTransfers(ref, reason, bps, balances)
      if (transfers.length === 0) return 0n
      const results = await this.c.ledger.transfer(transfers)
      if (results.some((r) => r.code === 'exists' || r.code === 'LEDGER_ID_CONFLICT')) return 0n
      if (results.every((r) => r.code === 'ok')) {
        const taken = transfers.reduce((sum, t) => sum + (t.amount ?? 0n), 0n)
        this.c.log('node slashed', { nodeId, reason, ref, bps, taken: taken.toString() })
        await this.changed(nodeId)
        return taken
      }
    }
    this.c.log('slash not applied; balances kept moving', { nodeId, ref })
    return 0n
  }

  /** Pays every unbonding entry whose period is over back to its node (what slashes left of it). */
  async releaseDue(limit = 100): Promise<number> {
    let released = 0
    for (const e of await this.c.store.due(new Date(this.now()), limit)) {
      const account = unbondingAccount(e.nodeId, e.id)
      const balance = balanceOr0(await this.c.ledger.balanceOf(account))
      if (balance > 0n) {
        const t: TransferInput = { id: `unbond:${e.id}`, debit: account, credit: `node:${e.nodeId}`, amount: balance, kind: 'unstake', memo: 'unbonded' }
        const [result] = await this.c.ledger.transfer([t])
        if (result === undefined || !APPLIED.has(result.code)) {
          this.c.log('unbonding release refused; will retry', { entry: e.id, code: result?.code })
          continue
        }
      }
      await this.c.store.markReleased(e.id)
      released++
    }
    return released
  }

  /** Bonded stake of every staked node (the router loads it at start). */
  bondedStakes(): Promise<Map<string, bigint>> {
    return this.c.store.bondedStakes()
  }

  private async bonded(nodeId: string): Promise<bigint> {
    return balanceOr0(await this.c.ledger.balanceOf(stakeAccount(nodeId)))
  }

  private async changed(nodeId: string): Promise<void> {
    this.c.stakeChanged(nodeId, await this.bonded(nodeId))
  }

  private async unbondingView(e: UnbondingRow): Promise<Unbonding> {
    const balance = balanceOr0(await this.c.ledger.balanceOf(unbondingAccount(e.nodeId, e.id)))
    return { id: e.id, amount: e.amount.toString(), balance: balance.toString(), createdAt: e.createdAt.toISOString(), releaseAt: e.releaseAt.toISOString() }
  }

  /** The node a request acts for: the signer's own, registered. */
  private async operated(signerNodeId: string, named: string | undefined): Promise<string> {
    if (named !== undefined && named !== signerNodeId) throw new W3aiError('STAKE_NOT_OPERATOR', `This request is signed by ${signerNodeId}'s key, not ${named}'s; only a node stakes for itself.`)
    if (!(await this.c.nodeExists(signerNodeId))) throw new W3aiError('STAKE_NOT_OPERATOR', `No registered node has the signing key (${signerNodeId}); sign with the node identity in the node's home.`)
    return signerNodeId
  }
}

function balanceOr0(a: Account | undefined): bigint {
  return a === undefined ? 0n : balanceOf(a)
}

/** A wire amount: LEDGER_BAD_AMOUNT (malformed, zero) or LEDGER_AMOUNT_OVERFLOW otherwise. */
function units(text: string): bigint {
  const amount = parseUnits(text)
  const problem = amountProblem(amount)
  if (problem !== null) throw new W3aiError(problem)
  return amount
}

/** Throws the ledger's refusal as a W3aiError unless the transfer was applied now or before. */
function refuseUnless(r: TransferResult | undefined): void {
  if (r === undefined) throw new W3aiError('INTERNAL', 'the ledger answered no result')
  if (r.code !== 'ok' && r.code !== 'exists') throw new W3aiError(r.code as ErrorCode, r.message)
}
