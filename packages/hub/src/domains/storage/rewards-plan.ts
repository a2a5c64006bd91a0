/**
 * The pure maths of storage payments, in whole units (bigint). An object's escrow pays its nodes
 * in proportion to time: the stretch [from, to) of its paid period is worth
 * floor(amount × (to − from) / duration); a node's part of that is in proportion to the bytes of
 * its pieces whose last audit passed, against every byte the object stores. Pieces that failed
 * (or were never audited) earn nothing: their part stays in escrow and returns to the owner when
 * the object is closed. Each node's part is split by the fee (L4's splitFee: the node keeps the
 * rest, treasury and burn take their shares) and all of it moves in one linked chain. On top, the
 * treasury pays storageRewardPerGiBEpoch per proven GiB and epoch (pro rata of the stretch), each
 * node's reward a transfer of its own (a treasury that cannot pay refuses only that reward).
 *
 * Ids are deterministic: `st:<to>:<upload>:<node>` (the node's pay), `st:<to>:<upload>:t` and
 * `:b` (treasury and burn), `sw:<to>:<upload>:<node>` (the reward), `<to>` the stretch's end in
 * ms, base 36.
 */
import { splitFee, type FeeParameters, type TransferKind } from '@w3ai/ledger'

const GIB = 1024n ** 3n

/** A transfer as stored in a plan (JSON: the amount as a decimal string). */
export interface PlannedTransfer {
  id: string
  debit: string
  credit: string
  amount: string
  kind: TransferKind
  memo: string
  linked?: true
}

export interface StretchInput {
  uploadId: string
  /** The escrowed amount paid for the whole period. */
  amount: bigint
  durationMs: number
  /** Bytes the object's pieces take on the nodes (what the owner paid for). */
  storedBytes: number
  /** The stretch of the paid period to pay for, ms since the epoch. */
  from: number
  to: number
  epochMs: number
  /** Proven bytes per node (pieces whose last audit passed). */
  proven: ReadonlyArray<{ nodeId: string; bytes: number }>
  params: FeeParameters & { storageRewardPerGiBEpoch: bigint }
}

/** The ledger account an upload's storage escrow sits in. */
export const storageEscrow = (uploadId: string): string => `escrow:st:${uploadId}`

/** The escrow transfer of an upload, its refund, and the stretch ids. */
export const escrowTransferId = (uploadId: string): string => `se:${uploadId}`
export const refundTransferId = (uploadId: string): string => `sr:${uploadId}`
const stretchKey = (to: number): string => Math.floor(to).toString(36)

/** What the stretch [from, to) of the paid period is worth: floor(amount × length / duration). */
export function stretchValue(amount: bigint, durationMs: number, from: number, to: number): bigint {
  const length = BigInt(Math.max(0, Math.floor(to) - Math.floor(from)))
  return (amount * length) / BigInt(durationMs)
}

/** The transfers that pay one stretch: a linked chain from the escrow (nodes, treasury, burn), then one treasury reward per node. */
export function stretchPlan(s: StretchInput): PlannedTransfer[] {
  const value = stretchValue(s.amount, s.durationMs, s.from, s.to)
  const key = `${stretchKey(s.to)}:${s.uploadId}`
  const escrow = storageEscrow(s.uploadId)
  const chain: PlannedTransfer[] = []
  const rewards: PlannedTransfer[] = []
  let treasury = 0n
  let burn = 0n
  const total = BigInt(Math.max(1, s.storedBytes))
  const stretchMs = BigInt(Math.max(0, Math.floor(s.to) - Math.floor(s.from)))
  for (const { nodeId, bytes } of s.proven) {
    const b = BigInt(Math.min(bytes, s.storedBytes))
    const gross = (value * b) / total
    if (gross > 0n) {
      const split = splitFee(gross, s.params)
      treasury += split.treasury
      burn += split.burn
      if (split.nodes > 0n) chain.push({ id: `st:${key}:${nodeId}`, debit: escrow, credit: `node:${nodeId}`, amount: split.nodes.toString(), kind: 'settle', memo: 'storage: proven pieces' })
    }
    const reward = (s.params.storageRewardPerGiBEpoch * b * stretchMs) / (GIB * BigInt(s.epochMs))
    if (reward > 0n) rewards.push({ id: `sw:${key}:${nodeId}`, debit: 'treasury', credit: `node:${nodeId}`, amount: reward.toString(), kind: 'reward', memo: 'storage reward: proven pieces' })
  }
  if (treasury > 0n) chain.push({ id: `st:${key}:t`, debit: escrow, credit: 'treasury', amount: treasury.toString(), kind: 'fee', memo: 'storage fee: treasury share' })
  if (burn > 0n) chain.push({ id: `st:${key}:b`, debit: escrow, credit: 'burn', amount: burn.toString(), kind: 'burn', memo: 'storage fee: burned share' })
  const linked = chain.map((t, i) => (i < chain.length - 1 ? { ...t, linked: true as const } : t))
  return [...linked, ...rewards]
}

/** Where the next stretch of a row runs: from what is paid (at most one epoch back) to the last epoch boundary or the period's end; undefined when there is nothing to pay. */
export function nextStretch(paidUntil: number, endsAt: number, now: number, epochMs: number): { from: number; to: number } | undefined {
  const boundary = Math.floor(now / epochMs) * epochMs
  const to = Math.min(boundary, endsAt)
  if (to <= paidUntil) return undefined
  // Time the hubs were not paying (all down) is not paid for afterwards: no audit proves it.
  return { from: Math.max(paidUntil, to - epochMs), to }
}
