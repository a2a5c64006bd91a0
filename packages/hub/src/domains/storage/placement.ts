/**
 * Where new pieces go, as the storage domain sees it: the hub's one node index, the AI router's
 * (compute/routing.ts), which the event bus keeps current with every hub's registrations,
 * statuses, loads and disk use. Placement samples online nodes there (a bounded sample, never the
 * whole fleet), keeps those with room and spreads pieces over regions, one node each;
 * countPlaceable applies the same rule, so the two never disagree (issue 8 D2).
 */
import type { HubRouter } from '../compute/routing.js'

export type { PlacementTarget } from '../compute/routing.js'

/** What uploads and repair need of placement. */
export type PiecePlacement = Pick<HubRouter, 'placePieces' | 'countPlaceable'>
