/**
 * A bucket of the placement index: the online slots of one (region, executor, resource class),
 * ordered by quality tier. Tier 0 (the best) comes first and each tier is one contiguous run, so
 * the best tiers of a bucket are a prefix of `slots`: placement samples that prefix before the
 * rest. Appending, removing and moving a slot between tiers are swaps at tier boundaries, one per
 * tier crossed (at most TIERS − 1), and each keeps the slot's recorded position current.
 */

/** Quality tiers per bucket. */
export const TIERS = 8
/**
 * Placement samples the fewest best tiers of the matching buckets that hold at least this many
 * nodes first. Smaller comes closer to the full scan's best score on a large fleet
 * (bench/router.ts: 0.98 at 32, 120,000 nodes); larger spreads tasks over more nodes.
 */
export const TOP_TIER_POOL = 32

/**
 * Where each slot sits in its buckets: `position[slot * stride + lane]` (a slot is in one bucket
 * per executor, `lane` being the executor).
 */
export interface Positions {
  position: Int32Array
  readonly stride: number
}

export class Bucket {
  slots = new Int32Array(16)
  size = 0
  /** End (exclusive) of each tier's run in `slots`; tierEnd[TIERS − 1] === size. */
  readonly tierEnd = new Int32Array(TIERS)

  /** Slots in tiers 0..tier (the prefix placement samples first). */
  prefix(tier: number): number {
    return this.tierEnd[tier]!
  }

  /** Adds a slot to a tier. */
  insert(slot: number, tier: number, p: Positions, lane: number): void {
    if (this.size === this.slots.length) {
      const next = new Int32Array(this.slots.length * 2)
      next.set(this.slots)
      this.slots = next
    }
    let at = this.size++
    this.slots[at] = slot
    p.position[slot * p.stride + lane] = at
    this.tierEnd[TIERS - 1] = this.size
    // Walk up: trade places with the first slot of each worse tier, whose boundary then moves up by one.
    for (let u = TIERS - 1; u > tier; u--) {
      const first = this.tierEnd[u - 1]!
      at = this.swap(at, first, p, lane)
      this.tierEnd[u - 1] = first + 1
    }
  }

  /** Removes the slot at `at` (of tier `tier`). */
  remove(at: number, tier: number, p: Positions, lane: number): void {
    for (let u = tier; u < TIERS; u++) {
      const last = this.tierEnd[u]! - 1
      at = this.swap(at, last, p, lane)
      this.tierEnd[u] = last
    }
    this.size--
  }

  /** Moves the slot at `at` from tier `from` to tier `to`. */
  move(at: number, from: number, to: number, p: Positions, lane: number): void {
    for (let u = from; u > to; u--) {
      const first = this.tierEnd[u - 1]!
      at = this.swap(at, first, p, lane)
      this.tierEnd[u - 1] = first + 1
    }
    for (let u = from; u < to; u++) {
      const last = this.tierEnd[u]! - 1
      at = this.swap(at, last, p, lane)
      this.tierEnd[u] = last
    }
  }

  /** Swaps two positions, updating both slots' recorded positions; returns `to`. */
  private swap(at: number, to: number, p: Positions, lane: number): number {
    if (at === to) return to
    const s = this.slots
    const a = s[at]!
    const b = s[to]!
    s[at] = b
    s[to] = a
    p.position[b * p.stride + lane] = at
    p.position[a * p.stride + lane] = to
    return to
  }
}

/** The best tier t such that tiers 0..t of the `count` buckets hold at least `min` slots (the last tier when none does). */
export function tierHolding(buckets: readonly Bucket[], count: number, min: number): number {
  for (let t = 0; t < TIERS - 1; t++) {
    let n = 0
    for (let k = 0; k < count; k++) n += buckets[k]!.tierEnd[t]!
    if (n >= min) return t
  }
  return TIERS - 1
}

/** Writes the running total of the buckets' prefix lengths through `tier` to `ends[0..count)`; returns the total. */
export function tierEnds(buckets: readonly Bucket[], count: number, tier: number, ends: Int32Array): number {
  let total = 0
  for (let k = 0; k < count; k++) {
    total += buckets[k]!.tierEnd[tier]!
    ends[k] = total
  }
  return total
}
