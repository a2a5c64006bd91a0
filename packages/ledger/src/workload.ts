/**
 * A seeded generator of random ledger operations for simulation: faucet draws, transfers among
 * users, nodes, escrow, stake, treasury and burn, pending transfers and their posts (sometimes
 * partial) and voids, linked chains (sometimes with a failing member, sometimes left open),
 * exact and conflicting retries, and malformed requests. The same seed gives the same operations.
 */
import type { Random } from '@w3ai/util'
import { MAX_AMOUNT, UNITS_PER_TOKEN } from './amount.js'
import { genesisBatch } from './genesis.js'
import type { TransferInput, TransferKind, TransferResult } from './types.js'

export interface WorkloadOptions {
  /** User accounts (default 12). */
  users?: number
  /** Nodes, each with a node and a stake account (default 4). */
  nodes?: number
  /** Escrow accounts (default 4). */
  escrows?: number
  /** Most operations in one batch (default 8). */
  maxBatch?: number
  /** What genesis mints to the faucet and to the treasury, each (default 1,000,000 tokens). */
  genesis?: bigint
}

const RETRY_WINDOW = 400

export class RandomWorkload {
  readonly users: string[]
  readonly nodes: string[]
  readonly stakes: string[]
  readonly escrows: string[]
  private readonly sent: TransferInput[] = []
  private readonly pendings: { id: string; amount: bigint }[] = []
  private n = 0
  private readonly maxBatch: number
  private readonly mint: bigint

  constructor(
    private readonly random: Random,
    options: WorkloadOptions = {},
  ) {
    this.users = Array.from({ length: options.users ?? 12 }, (_, i) => `user:a_${i}`)
    this.nodes = Array.from({ length: options.nodes ?? 4 }, (_, i) => `node:n_${i}`)
    this.stakes = this.nodes.map((n) => n.replace('node:', 'stake:'))
    this.escrows = Array.from({ length: options.escrows ?? 4 }, (_, i) => `escrow:job_${i}`)
    this.maxBatch = options.maxBatch ?? 8
    this.mint = options.genesis ?? 1_000_000n * UNITS_PER_TOKEN
  }

  /** The first batch: genesis mints the faucet and the treasury. */
  genesis(): TransferInput[] {
    return genesisBatch({ faucet: this.mint, treasury: this.mint })
  }

  /** The next batch of 1..maxBatch random operations. */
  next(): TransferInput[] {
    const batch: TransferInput[] = []
    const size = 1 + this.int(this.maxBatch)
    while (batch.length < size) batch.push(...this.op())
    if (this.random() < 0.02) {
      // Leave a chain open at the end of the batch: none of it may apply.
      batch.push({ ...this.move(), linked: true })
    }
    for (const t of batch) this.remember(t)
    return batch
  }

  /** Learns from acknowledged results: which pending transfers are open to post or void. */
  observe(batch: readonly TransferInput[], results: readonly TransferResult[]): void {
    results.forEach((r, i) => {
      const t = batch[i]
      if (r.code === 'ok' && t?.pending && r.transfer) this.pendings.push({ id: r.transfer.id, amount: r.transfer.amount })
    })
  }

  private remember(t: TransferInput): void {
    this.sent.push(t)
    if (this.sent.length > RETRY_WINDOW) this.sent.shift()
  }

  private int(n: number): number {
    return Math.floor(this.random() * n)
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T
  }

  private id(): string {
    return `op-${++this.n}`
  }

  /** Mostly a few tokens with odd units; now and then a large amount that overdraws. */
  private amount(): bigint {
    const tokens = this.random() < 0.05 ? BigInt(this.int(1_000_000)) : BigInt(this.int(50))
    return tokens * UNITS_PER_TOKEN + BigInt(this.int(1_000_000_000)) + 1n
  }

  private move(): TransferInput {
    const r = this.random()
    const user = this.pick(this.users)
    let credit: string
    let kind: TransferKind
    let debit = user
    if (r < 0.4) [credit, kind] = [this.pick(this.users), 'transfer']
    else if (r < 0.5) [credit, kind] = [this.pick(this.nodes), 'transfer']
    else if (r < 0.6) [credit, kind] = [this.pick(this.escrows), 'escrow']
    else if (r < 0.7) [credit, kind] = [this.pick(this.stakes), 'stake']
    else if (r < 0.75) [credit, kind] = ['burn', 'burn']
    else if (r < 0.8) [credit, kind] = ['treasury', 'fee']
    else if (r < 0.88) [debit, credit, kind] = [this.pick(this.escrows), this.pick(this.nodes), 'settle']
    else if (r < 0.94) [debit, credit, kind] = [this.pick(this.stakes), this.pick(this.users), 'unstake']
    else [debit, credit, kind] = ['treasury', this.pick(this.nodes), 'reward']
    return { id: this.id(), debit, credit, amount: this.amount(), kind }
  }

  private op(): TransferInput[] {
    const r = this.random()
    if (r < 0.15) return [{ id: this.id(), debit: 'faucet', credit: this.pick(this.users), amount: this.amount() * 4n, kind: 'faucet' }]
    if (r < 0.45) return [this.move()]
    if (r < 0.55) {
      const timeoutMs = this.pick([500, 5_000, 60_000, 3_600_000])
      return [{ ...this.move(), pending: { timeoutMs } }]
    }
    if (r < 0.65 && this.pendings.length) {
      const p = this.pendings.splice(this.int(this.pendings.length), 1)[0] as { id: string; amount: bigint }
      if (this.random() < 0.35) this.pendings.push(p) // posted or voided twice: PENDING_CLOSED
      const s = this.random()
      if (s < 0.4) return [{ id: this.id(), post: p.id }]
      if (s < 0.6) return [{ id: this.id(), post: p.id, amount: 1n + BigInt(Math.floor(this.random() * Number(p.amount % 1_000_000_000n))) }]
      if (s < 0.65) return [{ id: this.id(), post: p.id, amount: p.amount + 1n }]
      return [{ id: this.id(), void: p.id }]
    }
    if (r < 0.75) {
      const chain = Array.from({ length: 2 + this.int(3) }, () => this.move())
      return chain.map((t, i) => (i < chain.length - 1 ? { ...t, linked: true } : t))
    }
    if (r < 0.85 && this.sent.length) return [{ ...this.pick(this.sent), linked: undefined }]
    if (r < 0.88 && this.sent.length) {
      const t = this.pick(this.sent)
      return [{ ...t, amount: (t.amount ?? 1n) + 1n, linked: undefined }]
    }
    return [this.malformed()]
  }

  private malformed(): TransferInput {
    const t = this.move()
    switch (this.int(7)) {
      case 0:
        return { ...t, amount: 0n }
      case 1:
        return { ...t, credit: 'nobody' }
      case 2:
        return { ...t, credit: t.debit }
      case 3:
        return { ...t, amount: MAX_AMOUNT + 1n }
      case 4:
        return { ...t, id: 'has space' }
      case 5:
        return { ...t, memo: 'x'.repeat(201) }
      default:
        return { id: this.id(), post: `never-${this.n}` }
    }
  }
}
