/**
 * Storage payments (billing on: W3AI_BILLING). The owner pays for the object's duration at commit
 * time into escrow:st:<upload>; every storage epoch the upkeep pays the nodes whose pieces passed
 * their audits their share of the epoch from that escrow (the fee split between them, the treasury
 * and the burn), plus the treasury's storage reward; an object deleted early, or whose period is
 * over, has the rest of its escrow refunded. Rules here, SQL in billing-store.ts, maths in
 * rewards-plan.ts; every movement goes through the ledger service under a deterministic id, so a
 * retried epoch, escrow or refund applies once.
 *
 * The price: the governed minimum storage price per GiB-hour (nodes advertise no storage price),
 * for the bytes the nodes hold (every committed piece), for `durationHours`.
 */
import { availableOf, quoteStorage, storagePriceBounds, type ParameterValues, type TransferInput, type TransferResult } from '@w3ai/ledger'
import { W3aiError, type ErrorCode } from '@w3ai/protocol'
import type { NetworkParameters } from '../governance/parameters.js'
import type { LedgerService } from '../ledger/service.js'
import type { BillingRow, BillingStore } from './billing-store.js'
import { escrowTransferId, nextStretch, refundTransferId, storageEscrow, stretchPlan, type PlannedTransfer } from './rewards-plan.js'

const HOUR_MS = 3600_000

export interface StorageRewardsComponents {
  store: BillingStore
  ledger: Pick<LedgerService, 'transfer' | 'balanceOf'>
  parameters: Pick<NetworkParameters, 'all'>
  /** Length of a storage epoch (ms): how often nodes are paid. */
  epochMs: number
  /** The paid duration of an upload that names none (hours). */
  defaultDurationHours: number
  now?: () => number
  log: (msg: string, fields?: Record<string, unknown>) => void
}

/** What the storage service asks of billing; absent when billing is off. */
export interface StorageBilling {
  reserve(owner: string, uploadId: string, estimatedBytes: number, durationHours: number | undefined): Promise<void>
  escrow(owner: string, uploadId: string, storedBytes: number): Promise<void>
  activated(uploadId: string): Promise<void>
  deleted(uploadId: string): Promise<void>
}

/** What storing `storedBytes` for `hours` costs under these parameters (the quote of an upload). */
export function storageCharge(p: ParameterValues, storedBytes: number, hours: number): bigint {
  return quoteStorage({ storedBytes: BigInt(storedBytes), hours, pricePerGiBHour: storagePriceBounds(p).min })
}

/** Codes under which a transfer with this id was applied (now or before). */
const APPLIED = new Set(['ok', 'exists', 'LEDGER_ID_CONFLICT'])

export class StorageRewards implements StorageBilling {
  private readonly now: () => number

  constructor(private readonly c: StorageRewardsComponents) {
    this.now = c.now ?? Date.now
  }

  /**
   * At upload start: refuses (LEDGER_INSUFFICIENT_FUNDS, nothing recorded) an owner whose
   * available balance cannot pay for the estimated bytes, else records the paid duration.
   */
  async reserve(owner: string, uploadId: string, estimatedBytes: number, durationHours: number | undefined): Promise<void> {
    const hours = durationHours ?? this.c.defaultDurationHours
    const price = storageCharge(await this.c.parameters.all(), estimatedBytes, hours)
    const account = await this.c.ledger.balanceOf(`user:${owner}`)
    const available = account === undefined ? 0n : availableOf(account)
    if (price > available) throw new W3aiError('LEDGER_INSUFFICIENT_FUNDS', `Storing this upload for ${hours} hours costs about ${price} units; your available balance is ${available}.`)
    await this.c.store.reserve(uploadId, owner, hours * HOUR_MS)
  }

  /**
   * At completion, before the object exists: moves the price of the bytes the nodes hold for the
   * reserved duration from the owner into the upload's escrow. A refusal (LEDGER_INSUFFICIENT_FUNDS)
   * leaves the upload open: the owner may add funds and complete again (same id, applied once).
   */
  async escrow(owner: string, uploadId: string, storedBytes: number): Promise<void> {
    const durationMs = (await this.c.store.get(uploadId))?.durationMs ?? this.c.defaultDurationHours * HOUR_MS
    const amount = storageCharge(await this.c.parameters.all(), storedBytes, Math.ceil(durationMs / HOUR_MS))
    if (amount <= 0n) return
    await this.c.store.price(uploadId, owner, durationMs, storedBytes, amount)
    const [result] = await this.c.ledger.transfer([{ id: escrowTransferId(uploadId), debit: `user:${owner}`, credit: storageEscrow(uploadId), amount, kind: 'escrow', memo: 'storage: paid period in escrow' }])
    if (result === undefined || (result.code !== 'ok' && result.code !== 'exists')) throw new W3aiError((result?.code ?? 'INTERNAL') as ErrorCode, result?.message)
  }

  /** After the object was created: its paid period starts now. */
  async activated(uploadId: string): Promise<void> {
    await this.c.store.activate(uploadId)
  }

  /** The object was deleted: the rest of its escrow goes back to the owner now. */
  async deleted(uploadId: string): Promise<void> {
    await this.c.store.close(uploadId)
    const row = await this.c.store.get(uploadId)
    if (row !== undefined) await this.refund(row)
  }

  /** One upkeep round: pays the epochs due, closes what is done and refunds it. */
  async round(limit = 200): Promise<void> {
    await this.c.store.activate()
    const now = this.now()
    const epochEnd = Math.floor(now / this.c.epochMs) * this.c.epochMs
    const rows = await this.c.store.due(epochEnd, limit)
    if (rows.length > 0) {
      const params = await this.c.parameters.all()
      const proven = await this.c.store.provenBytes(rows.filter((r) => r.planEnd === null).map((r) => r.uploadId))
      for (const row of rows) await this.payStretch(row, now, params, proven.filter((p) => p.uploadId === row.uploadId))
    }
    await this.c.store.closeFinished(now)
    for (const row of await this.c.store.toRefund(limit)) await this.refund(row)
  }

  /** Plans the row's next stretch unless a plan exists (the first hub to plan wins), then applies whichever plan stands. */
  private async payStretch(row: BillingRow, now: number, params: ParameterValues, proven: Array<{ nodeId: string; bytes: number }>): Promise<void> {
    let current: BillingRow | undefined = row
    if (row.planEnd === null) {
      const { paidUntil, endsAt, amount, storedBytes } = row
      if (paidUntil === null || endsAt === null || amount === null || storedBytes === null) return
      const stretch = nextStretch(paidUntil, endsAt, now, this.c.epochMs)
      if (stretch === undefined) return
      const plan = stretchPlan({ uploadId: row.uploadId, amount, durationMs: row.durationMs, storedBytes, ...stretch, epochMs: this.c.epochMs, proven, params })
      current = await this.c.store.savePlan(row.uploadId, paidUntil, stretch.to, plan)
    }
    if (current?.plan == null || current.planEnd === null || current.closed) return
    const results = await this.c.ledger.transfer(current.plan.map(toInput))
    const refused = results.filter((r) => !APPLIED.has(r.code) && !(r.code === 'LEDGER_INSUFFICIENT_FUNDS' && r.id.startsWith('sw:')))
    // A refused chain is not retried forever: its epoch goes unpaid (the escrow keeps it for the owner).
    if (refused.length > 0) this.c.log('storage payment refused; the epoch stays in escrow', { upload: row.uploadId, codes: refused.map((r: TransferResult) => r.code) })
    await this.c.store.planApplied(row.uploadId, current.planEnd)
  }

  /** Pays what is left in the row's escrow back to its owner; marks it refunded once nothing is left. */
  private async refund(row: BillingRow): Promise<void> {
    if (row.amount === null) return
    const escrow = await this.c.ledger.balanceOf(storageEscrow(row.uploadId))
    const left = escrow === undefined ? 0n : escrow.creditsPosted - escrow.debitsPosted - escrow.debitsPending
    if (left > 0n) {
      const [result] = await this.c.ledger.transfer([{ id: refundTransferId(row.uploadId), debit: storageEscrow(row.uploadId), credit: `user:${row.owner}`, amount: left, kind: 'refund', memo: 'storage: unused escrow refunded' }])
      // Refused (a payment landed between the read and the refund): the next round tries again.
      if (result === undefined || !APPLIED.has(result.code)) return
    }
    await this.c.store.refunded(row.uploadId)
  }
}

function toInput(t: PlannedTransfer): TransferInput {
  return { ...t, amount: BigInt(t.amount) }
}
