/**
 * Where a segment's pieces go: distinct online nodes with free space, spread over as many
 * regions as possible so one region's outage costs at most a few pieces of any segment.
 */

export interface PlacementCandidate {
  id: string
  region: string
  /** Not used yet: regions decide the spread; kept for distance-aware placement. */
  location: { lat: number; lon: number }
  freeGb: number
  status: string
}

export interface PlacementOptions {
  /** Node ids not to use (e.g. nodes already holding a piece of this segment, during repair). */
  exclude?: ReadonlySet<string>
  /** Uniform [0, 1) source; inject a seeded one in tests. Default Math.random. */
  random?: () => number
  /** Least free space a node must report, in GB (a node with exactly this much qualifies); default: any above 0. */
  minFreeGb?: number
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const tmp = items[i] as T
    items[i] = items[j] as T
    items[j] = tmp
  }
  return items
}

/**
 * Picks up to `count` distinct eligible node ids: one per region in turn (round-robin over the
 * regions in random order), a random node within each. Returns fewer when fewer are eligible;
 * the caller decides whether that is enough.
 */
export function choosePlacement(candidates: readonly PlacementCandidate[], count: number, options: PlacementOptions = {}): string[] {
  const random = options.random ?? Math.random
  const roomy = options.minFreeGb === undefined ? (c: PlacementCandidate) => c.freeGb > 0 : (c: PlacementCandidate) => c.freeGb >= (options.minFreeGb as number)
  const byRegion = new Map<string, PlacementCandidate[]>()
  const seen = new Set<string>()
  for (const c of candidates) {
    const eligible = c.status === 'online' && roomy(c) && options.exclude?.has(c.id) !== true && !seen.has(c.id)
    if (!eligible) continue
    seen.add(c.id)
    const list = byRegion.get(c.region)
    if (list === undefined) byRegion.set(c.region, [c])
    else list.push(c)
  }
  const regions = shuffle([...byRegion.values()], random).map((list) => shuffle(list, random))
  const chosen: string[] = []
  for (let round = 0; chosen.length < count; round++) {
    let added = false
    for (const list of regions) {
      const node = list[round]
      if (node === undefined) continue
      chosen.push(node.id)
      added = true
      if (chosen.length === count) break
    }
    if (!added) break
  }
  return chosen
}
