/**
 * Pay per answered inference. Before a request is forwarded, the price of one call (the highest
 * among the deployment's ready replicas) is held from the owner's wallet as a pending transfer;
 * an owner who cannot pay is refused before any node sees the request. The node that answers
 * (2xx) is paid its own price less the fee, which goes to the treasury and the burn, in one linked
 * chain, and the rest of the hold is released; a request no node answered releases all of it.
 * Every transfer id derives from the request's own id, so each call is paid once.
 */
import { randomBytes } from 'node:crypto'
import type { TransferResult } from '@w3ai/ledger'
import { W3aiError, type ErrorCode } from '@w3ai/protocol'
import { settlementChain } from '../billing/chain.js'
import type { PriceBook } from '../billing/prices.js'
import type { LedgerService } from '../ledger/service.js'

export interface ServingBillingComponents {
  ledger: Pick<LedgerService, 'transfer' | 'wallet'>
  prices: PriceBook
  /** How long a hold lasts unanswered before the ledger releases it by itself. */
  holdMs: number
  onError: (err: unknown) => void
}

/** One call's hold. */
export interface InferenceHold {
  /** srv:<request id>: every transfer of the call is named after it. */
  ref: string
  deploymentId: string
  amount: bigint
}

export const servingEscrowAccount = (deploymentId: string): string => `escrow:serve:${deploymentId}`

export class ServingBilling {
  constructor(private readonly c: ServingBillingComponents) {}

  /** Holds the price of one call from the owner; BILLING_INSUFFICIENT_FUNDS (nothing forwarded) when it cannot pay. */
  async hold(owner: string, deploymentId: string, nodeIds: readonly string[]): Promise<InferenceHold | undefined> {
    const amount = await this.c.prices.servingRate(nodeIds)
    if (amount === 0n) return undefined
    const hold: InferenceHold = { ref: `srv:${randomBytes(10).toString('hex')}`, deploymentId, amount }
    const debit = `user:${owner}`
    const [result] = await this.c.ledger.transfer([
      { id: `${hold.ref}:hold`, debit, credit: servingEscrowAccount(deploymentId), amount, kind: 'escrow', pending: { timeoutMs: this.c.holdMs } },
    ])
    if (result?.code === 'LEDGER_INSUFFICIENT_FUNDS') {
      const { available } = await this.c.ledger.wallet(debit)
      throw new W3aiError('BILLING_INSUFFICIENT_FUNDS', `An inference on deployment ${deploymentId} costs up to ${amount} units; your wallet has ${available} available.`, { needed: amount.toString(), available })
    }
    if (result?.code !== 'ok') throw new W3aiError((result?.code ?? 'INTERNAL') as ErrorCode, result?.message)
    return hold
  }

  /**
   * Pays `answeredBy` for the call (its price, at most the hold) or, when no node answered,
   * releases the hold. A failure is reported, not thrown: the caller has its answer, and an
   * unsettled hold returns to the owner when it times out.
   */
  async close(hold: InferenceHold | undefined, answeredBy: string | undefined): Promise<void> {
    if (hold === undefined) return
    try {
      const results = answeredBy === undefined ? await this.release(hold) : await this.pay(hold, answeredBy)
      const failed = results.find((r) => r.code !== 'ok' && r.code !== 'exists' && r.code !== 'LEDGER_LINKED_FAILED')
      if (failed !== undefined) throw new W3aiError(failed.code as ErrorCode, `inference ${hold.ref}: ${failed.id} ${failed.message ?? failed.code}`)
    } catch (err) {
      this.c.onError(err)
    }
  }

  private async pay(hold: InferenceHold, nodeId: string): Promise<TransferResult[]> {
    const price = await this.c.prices.servingPrice(nodeId)
    const charge = price < hold.amount ? price : hold.amount
    const s = settlementChain({ ref: hold.ref, hold: `${hold.ref}:hold`, escrow: servingEscrowAccount(hold.deploymentId), payees: [{ account: `node:${nodeId}`, charge }], fees: await this.c.prices.settlement() })
    return s.transfers.length === 0 ? this.release(hold) : this.c.ledger.transfer(s.transfers)
  }

  private release(hold: InferenceHold): Promise<TransferResult[]> {
    return this.c.ledger.transfer([{ id: `${hold.ref}:release`, void: `${hold.ref}:hold` }])
  }
}
