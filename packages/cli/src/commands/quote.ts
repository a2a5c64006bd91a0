/**
 * `--quote` on `job run`, `storage put` and `model serve`: asks the hub what it would cost
 * (POST /v1/quotes), prints the price and stops; nothing is uploaded, submitted or deployed.
 */
import { formatTokens } from '@w3ai/ledger'
import { QuotesClient } from '@w3ai/sdk'
import type { Quote, QuoteRequest } from '@w3ai/protocol'
import { hubClientOf, type CommonFlags } from '../context.js'
import { createOut } from '../output.js'

/** The flag, described once for every command that takes it. */
export const QUOTE_FLAG = ['--quote', 'print the price (POST /v1/quotes) and exit without doing it'] as const

/** Prints the quote (--json: as the hub answered it). */
export async function printQuote(flags: CommonFlags, request: QuoteRequest): Promise<void> {
  const out = createOut(flags.json === true)
  const quote = await new QuotesClient(await hubClientOf(flags)).quote(request)
  out.result(quote, () => describeQuote(quote))
}

const tokens = (units: string | bigint): string => `${formatTokens(BigInt(units))} tokens`
const percent = (bps: number): string => `${bps / 100}%`

/** A quote for people: the price, how it was reckoned, and the fee in it. */
export function describeQuote(q: Quote): string {
  const b = q.breakdown as Record<string, string | number | { k: number; n: number }>
  const price =
    q.kind === 'job'
      ? `at most ${tokens(q.amount)} (${q.amount} units), held in escrow until the job ends; you pay the task time its accepted results used`
      : q.kind === 'upload'
        ? `${tokens(q.amount)} (${q.amount} units), paid when the upload completes`
        : `${tokens(q.amount)} (${q.amount} units) at most, paid per answered call`
  const reckoned =
    q.kind === 'job'
      ? `${b.replicas} replica(s) + ${b.tieBreakers} tie-breaker(s) × ${b.limitSeconds} s × ${tokens(String(b.pricePerSecond))} per ${b.resourceClass} task-second`
      : q.kind === 'upload'
        ? `${b.storedBytes} bytes stored (${(b.redundancy as { k: number; n: number }).k}/${(b.redundancy as { k: number; n: number }).n}) × ${b.hours} h × ${tokens(String(b.pricePerGiBHour))} per GiB-hour`
        : `${b.calls} call(s) × ${tokens(String(b.pricePerCall))} per call`
  const f = q.fee
  const lines = [
    `price      ${price}`,
    `reckoned   ${reckoned}`,
    `fee        ${percent(f.feeRateBps)}: ${tokens(f.fee)}, ${percent(f.treasuryShareBps)} of it to the treasury (${tokens(f.treasury)}), ${percent(f.burnShareBps)} burned (${tokens(f.burn)}); the nodes get ${tokens(f.nodes)}`,
  ]
  if (!q.billing) lines.push('billing    off on this hub: nothing would be charged')
  return lines.join('\n')
}
