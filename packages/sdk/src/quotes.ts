/**
 * Prices before you ask: what a job holds in escrow at most, what an upload or inference calls
 * cost, in units (1 token = 10^18 units), with the fee split. Public and safe to repeat: nothing is
 * held or created.
 *
 * ```ts
 * const { amount, breakdown } = await new QuotesClient(hub).quote({ kind: 'job', executor: 'wasm', verify: 2 })
 * ```
 */
import type { Quote, QuoteRequest } from '@w3ai/protocol'
import type { HubClient } from './client.js'

export class QuotesClient {
  constructor(private readonly hub: HubClient) {}

  /** The price of a job (`kind: 'job'`), an upload (`'upload'`) or inference calls (`'deployment'`). */
  quote(request: QuoteRequest): Promise<Quote> {
    return this.hub.request<Quote>('POST', '/v1/quotes', request, { unsigned: true, idempotent: true })
  }
}
