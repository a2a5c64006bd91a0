/**
 * Seeded client sampling, as Flower's client manager does it: a round takes max(⌊fraction ·
 * available⌋, minClients) clients drawn without replacement, and refuses to start when fewer than
 * minAvailable clients are online. The same pool order and random source give the same sample.
 */
import { W3aiError } from '@w3ai/protocol'
import type { ClientPool, Random } from './types.js'

export interface SamplingOptions {
  /** Share of the available clients to take, in [0, 1]. */
  fraction: number
  /** Take at least this many (when available). */
  minClients: number
  /** Refuse the round when fewer clients than this are available. */
  minAvailable: number
}

/** How many clients a round takes out of `available`. */
export function sampleSize(available: number, options: SamplingOptions): number {
  return Math.max(Math.floor(available * options.fraction), options.minClients)
}

/**
 * Draws the clients for one round; throws FL_NOT_ENOUGH_CLIENTS when fewer than `minAvailable`
 * (or fewer than the sample needs) are in the pool.
 */
export function sampleClients(pool: ClientPool, options: SamplingOptions, random: Random): string[] {
  const ids = [...new Set(pool.ids)]
  const size = sampleSize(ids.length, options)
  if (ids.length < options.minAvailable || ids.length < size) {
    const needed = Math.max(options.minAvailable, size)
    throw new W3aiError('FL_NOT_ENOUGH_CLIENTS', `The round needs ${needed} clients but ${ids.length} are available.`, { available: ids.length, needed })
  }
  // Partial Fisher–Yates: the first `size` slots end up a uniform sample, in the order drawn.
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (ids.length - i))
    const t = ids[i] as string
    ids[i] = ids[j] as string
    ids[j] = t
  }
  return ids.slice(0, size)
}
