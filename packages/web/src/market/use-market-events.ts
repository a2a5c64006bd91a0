/**
 * `market.order.updated` events for the market tab. The hub sends an order's events to its buyer's
 * and its seller's signed subscriptions only, so the tab subscribes signed with the loaded identity
 * (its own connection while the tab is open; a new one when the identity changes) and counts the
 * events: `version` bumps on each, `orders` says which order each was about and `listings` which
 * listing. Events carry ids only; the page refetches with signed GETs.
 */
import { useEffect, useReducer, useState } from 'react'
import type { EventStreamMessage } from '@w3ai/protocol'
import { EventStream, eventsUrl, type EventStreamComponents, browserComponents } from '../event-stream.js'
import { signedSubscription } from '../events-auth.js'
import { stampJob, type JobStamps } from '../jobs/updates.js'
import type { BrowserIdentity } from '../storage/identity.js'

export interface MarketEvents {
  version: number
  /** Order id → the counter at its latest event. */
  orders: JobStamps
  /** Listing id → the counter at its latest order event. */
  listings: JobStamps
}

export const NO_MARKET_EVENTS: MarketEvents = { version: 0, orders: new Map(), listings: new Map() }

/** The state after one stream message; anything but a market order event leaves it as it is. */
export function reduceMarketEvent(state: MarketEvents, message: EventStreamMessage): MarketEvents {
  if (message.type !== 'market.order.updated') return state
  const version = state.version + 1
  return { version, orders: stampJob(state.orders, message.orderId, version), listings: stampJob(state.listings, message.listingId, version) }
}

export function useMarketEvents(identity: Pick<BrowserIdentity, 'publicKey' | 'signingKey'> | null, components: EventStreamComponents = browserComponents): MarketEvents & { live: boolean } {
  const [events, dispatch] = useReducer(reduceMarketEvent, NO_MARKET_EVENTS)
  const [live, setLive] = useState(false)
  useEffect(() => {
    setLive(false)
    if (identity === null) return
    const stream = new EventStream(
      {
        url: eventsUrl(window.location),
        authorize: () => signedSubscription(identity),
        onMessage: dispatch,
        onState: (state) => setLive(state === 'live'),
      },
      components,
    )
    stream.start()
    return () => stream.stop()
  }, [identity, components])
  return { ...events, live }
}
