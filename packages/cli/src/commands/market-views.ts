/**
 * Human views of `w3ai market`: listings, orders, reviews and the price of a purchase, amounts in
 * tokens (the exact decimal form of the units). --json prints the hub's wire objects instead,
 * amounts as strings of units.
 */
import { formatTokens, splitFee, type FeeParameters } from '@w3ai/ledger'
import type { FulfilOutcome, KeyRequestOutcome } from '@w3ai/sdk'
import type { AccessMode, Listing, ListingSummary, Order, Review } from '@w3ai/protocol'

/** Units (a decimal string) as tokens: "1500000000000000000" → "1.5". */
export const tokens = (units: string | bigint): string => formatTokens(BigInt(units))

const BASIS: Record<AccessMode, string> = { download: '', 'compute-only': ' per job', 'per-call': ' per call' }

/** A listing's price for people: "2 tokens", "0.01 tokens per call". */
export const priceText = (price: string, access: AccessMode): string => `${tokens(price)} tokens${BASIS[access]}`

const ratingText = (r: { mean: number; count: number }): string => (r.count === 0 ? '-' : `${r.mean.toFixed(1)} (${r.count})`)
const clip = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`)

export const LISTING_COLUMNS = ['ID', 'KIND', 'ACCESS', 'PRICE', 'RATING', 'TITLE']

export function listingRow(l: ListingSummary): string[] {
  return [l.id, l.kind, l.access, priceText(l.price, l.access), ratingText(l.rating), clip(l.title, 60)]
}

/** A card's fields, one line each (nested values as compact JSON). */
function cardLines(card: Record<string, unknown>): string[] {
  const lines: string[] = []
  for (const [key, value] of Object.entries(card)) {
    if (key === 'kind') continue
    if (key === 'metrics' && Array.isArray(value)) {
      for (const m of value as Array<{ name: string; value: number; dataset: string }>) lines.push(`  metric      ${m.name} = ${m.value} (on ${m.dataset})`)
      continue
    }
    if ((key === 'inputs' || key === 'outputs') && Array.isArray(value)) {
      const tensors = (value as Array<{ name: string; type: string; shape: Array<string | number> }>).map((t) => `${t.name} ${t.type}[${t.shape.join(',')}]`)
      lines.push(`  ${key.padEnd(11)} ${tensors.join(', ')}`)
      continue
    }
    if (key === 'template' && typeof value === 'object' && value !== null) {
      const t = value as { runnable: { kind: string; name?: string; executor?: string }; params: Array<{ name: string; type: string; default?: unknown; optional?: boolean; description?: string }> }
      lines.push(`  runnable    ${t.runnable.kind}${t.runnable.name === undefined ? '' : ` ${t.runnable.name}`}${t.runnable.executor === undefined ? '' : ` ${t.runnable.executor}`}`)
      for (const p of t.params) {
        const dflt = p.default !== undefined ? ` = ${String(p.default)}` : p.optional === true ? ' (optional)' : ' (required)'
        lines.push(`  param       ${p.name}: ${p.type}${dflt}${p.description === undefined ? '' : `  ${clip(p.description, 80)}`}`)
      }
      continue
    }
    const text = typeof value === 'string' ? value : JSON.stringify(value)
    lines.push(`  ${key.padEnd(11)} ${clip(text, 200)}`)
  }
  return lines
}

export function describeReview(r: Review): string {
  const lines = [`${'★'.repeat(r.rating)}${'☆'.repeat(5 - r.rating)}  ${r.id}  by ${r.buyer}  ${r.updatedAt}`]
  if (r.text !== '') lines.push(`  ${r.text}`)
  if (r.answer !== null) lines.push(`  seller: ${r.answer}`)
  return lines.join('\n')
}

export function describeListing(l: Listing, reviews: readonly Review[] = []): string {
  const lines = [
    `listing     ${l.id}  ${l.kind}, ${l.access}`,
    `title       ${l.title}`,
    ...(l.description === '' ? [] : [`about       ${l.description}`]),
    `price       ${priceText(l.price, l.access)} (${l.price} units)`,
    `seller      ${l.seller}`,
    `licence     ${l.licence}`,
    `tags        ${l.tags.length === 0 ? '-' : l.tags.join(', ')}`,
    `rating      ${l.rating.count === 0 ? 'no reviews yet' : `${l.rating.mean.toFixed(2)} of 5 from ${l.rating.count} review(s)`}`,
    `versions    ${l.versions.map((v) => `${v.version} ${v.cid}`).join('\n            ')}`,
  ]
  if (Object.keys(l.card).length > 0) lines.push(`card (${String(l.card.kind ?? l.kind)})`, ...cardLines(l.card))
  if (reviews.length > 0) lines.push('reviews', ...reviews.map((r) => describeReview(r).replace(/^/gm, '  ')))
  lines.push(`buy         w3ai market buy ${l.id}${l.access === 'per-call' ? ' --calls N' : ''}`)
  if (l.kind === 'app') lines.push(`run         w3ai app run ${l.id} --param name=value …`)
  return lines.join('\n')
}

export const ORDER_COLUMNS = ['ID', 'LISTING', 'MODE', 'STATUS', 'AMOUNT', 'CALLS', 'PAID', 'DEADLINE']

export function orderRow(o: Order): string[] {
  return [o.id, o.listingId, o.mode, o.status, tokens(o.amount), o.allowance === null ? '-' : `${o.allowance.used}/${o.allowance.calls}`, o.paid === null ? '-' : tokens(o.paid), o.deadline]
}

/** What to do next with an order, from the side of `me`. */
function nextStep(o: Order, me: string | undefined): string | undefined {
  if (o.mode === 'download' && o.status === 'pending') return me === o.seller ? `fulfil it: w3ai market fulfil ${o.id}` : `waiting for the seller's side to wrap the key to you (before ${o.deadline}; refunded otherwise)`
  if (o.mode === 'download' && o.status === 'fulfilled' && me === o.buyer) return `download it: w3ai market download ${o.id} -o FILE (or w3ai storage get ${o.cid} -o FILE)`
  if (o.mode === 'per-call' && o.status === 'active' && me === o.buyer) return `call the seller's deployment: w3ai model infer DEPLOYMENT --order ${o.id} --input FILE; close the allowance (the rest comes back): w3ai market close ${o.id}`
  if (o.mode === 'compute-only' && o.status === 'active' && me === o.buyer) return `run one job on the data (its key goes to the job's nodes only): w3ai job run train --dataset ${o.cid} --order ${o.id} --spec FILE --wait`
  if (o.mode === 'compute-only' && o.status === 'active' && me === o.seller) return `answer its job's key request: w3ai market fulfil (--watch)`
  return undefined
}

export function describeOrder(o: Order, me?: string): string {
  const lines = [
    `order       ${o.id}  ${o.mode}, ${o.status}`,
    `listing     ${o.listingId} version ${o.version} (${o.cid})`,
    `buyer       ${o.buyer}`,
    `seller      ${o.seller}`,
    `price       ${priceText(o.price, o.mode)}`,
    `held        ${tokens(o.amount)} tokens`,
  ]
  if (o.allowance !== null) lines.push(`calls       ${o.allowance.used} of ${o.allowance.calls} used`)
  if (o.paid !== null) lines.push(`seller paid ${tokens(o.paid)} tokens`)
  lines.push(`deadline    ${o.deadline}`)
  const next = nextStep(o, me)
  if (next !== undefined) lines.push(`next        ${next}`)
  return lines.join('\n')
}

/** The price of a purchase before it is made: what is held, and where it goes once settled. */
export interface MarketQuote {
  listingId: string
  title: string
  access: AccessMode
  /** The listing's price (per call for per-call). */
  price: string
  /** per-call: the calls prepaid; null otherwise. */
  calls: number | null
  /** What the purchase holds from your wallet in escrow. */
  amount: string
  /** The governed fee split of `amount` (per-call: of the whole allowance, if every call is used). */
  fee: { feeRateBps: number; treasuryShareBps: number; burnShareBps: number; fee: string; treasury: string; burn: string; seller: string }
}

export function marketQuote(l: Pick<Listing, 'id' | 'title' | 'access' | 'price'>, calls: number | undefined, fees: FeeParameters): MarketQuote {
  const amount = BigInt(l.price) * BigInt(calls ?? 1)
  const split = splitFee(amount, fees)
  return {
    listingId: l.id,
    title: l.title,
    access: l.access,
    price: l.price,
    calls: calls ?? null,
    amount: amount.toString(),
    fee: { feeRateBps: fees.feeRateBps, treasuryShareBps: fees.treasuryShareBps, burnShareBps: fees.burnShareBps, fee: split.fee.toString(), treasury: split.treasury.toString(), burn: split.burn.toString(), seller: split.nodes.toString() },
  }
}

const percent = (bps: number): string => `${bps / 100}%`

export function describeMarketQuote(q: MarketQuote): string {
  const held =
    q.access === 'per-call'
      ? `${tokens(q.amount)} tokens held: ${q.calls} call(s) × ${tokens(q.price)}; the seller is paid for the calls used, the rest comes back`
      : q.access === 'download'
        ? `${tokens(q.amount)} tokens held until the seller's side delivers the key (refunded at the deadline otherwise)`
        : `${tokens(q.amount)} tokens held for one compute job on the data (refunded at the deadline if unused)`
  const f = q.fee
  return [
    `listing    ${q.listingId}  ${q.title}`,
    `price      ${held}`,
    `fee        ${percent(f.feeRateBps)}: ${tokens(f.fee)} tokens, ${percent(f.treasuryShareBps)} of it to the treasury (${tokens(f.treasury)}), ${percent(f.burnShareBps)} burned (${tokens(f.burn)}); the seller gets ${tokens(f.seller)} tokens`,
  ].join('\n')
}

/** One line of `market fulfil` progress. */
export function outcomeLine(o: FulfilOutcome): string {
  return o.order !== undefined
    ? `fulfilled ${o.orderId}: key wrapped to ${o.order.buyer}; paid ${o.order.paid === null ? '-' : tokens(o.order.paid)} tokens`
    : `could not fulfil ${o.orderId}: ${o.error.code}: ${o.error.message}`
}

/** A key request answered by `market fulfil` (compute-only sales), for people. */
export function keyOutcomeLine(o: KeyRequestOutcome): string {
  return o.job !== undefined
    ? `keyed job ${o.jobId} (order ${o.orderId}): data key wrapped to ${o.nodes.length} node(s) of the buyer's job; job ${o.job.status}`
    : `could not key job ${o.jobId} (order ${o.orderId}): ${o.error.code}: ${o.error.message}`
}

/** A key request's outcome as --json shows it (kind 'compute', beside the downloads' outcomes). */
export function keyOutcomeView(o: KeyRequestOutcome): { kind: 'compute'; orderId: string; jobId: string; cid: string; keyed: boolean; nodes?: string[]; jobStatus?: string; error?: { code: string; message: string } } {
  const about = { kind: 'compute' as const, orderId: o.orderId, jobId: o.jobId, cid: o.cid }
  return o.job !== undefined ? { ...about, keyed: true, nodes: o.nodes, jobStatus: o.job.status } : { ...about, keyed: false, error: { code: o.error.code, message: o.error.message } }
}

/** An outcome as --json shows it: the order, or the error with its code. */
export function outcomeView(o: FulfilOutcome): { kind: 'download'; orderId: string; fulfilled: boolean; order?: Order; error?: { code: string; message: string } } {
  return o.order !== undefined ? { kind: 'download', orderId: o.orderId, fulfilled: true, order: o.order } : { kind: 'download', orderId: o.orderId, fulfilled: false, error: { code: o.error.code, message: o.error.message } }
}
