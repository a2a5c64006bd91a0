/**
 * Karp's maximum cycle mean of a weighted digraph: the largest average arc weight over all
 * directed cycles, the throughput bound of a synchronous overlay (each silo waits for its
 * in-neighbours every round). Karp's theorem needs a source that reaches every vertex, so it runs
 * on each strongly connected component (Tarjan) and takes the largest result.
 */

/** A weighted directed arc. */
export interface WeightedArc {
  from: number
  to: number
  weight: number
}

/** The maximum mean weight of a directed cycle over vertices 0..n-1; -Infinity when there is none. */
export function maxCycleMean(n: number, arcs: readonly WeightedArc[]): number {
  const component = stronglyConnectedComponents(n, arcs)
  const members = new Map<number, number[]>()
  component.forEach((c, v) => members.set(c, [...(members.get(c) ?? []), v]))
  let best = -Infinity
  for (const vertices of members.values()) {
    const local = new Map(vertices.map((v, i) => [v, i]))
    const inside = arcs.flatMap((a) => {
      const from = local.get(a.from)
      const to = local.get(a.to)
      return from !== undefined && to !== undefined && component[a.from] === component[a.to] ? [{ from, to, weight: a.weight }] : []
    })
    if (inside.length > 0) best = Math.max(best, karp(vertices.length, inside))
  }
  return best
}

/** Karp on a strongly connected digraph with at least one arc. */
function karp(n: number, arcs: readonly WeightedArc[]): number {
  // walk[k * n + v]: the heaviest walk of exactly k arcs from vertex 0 to v.
  const walk = new Float64Array((n + 1) * n).fill(-Infinity)
  walk[0] = 0
  for (let k = 1; k <= n; k++) {
    const before = (k - 1) * n
    const now = k * n
    for (const { from, to, weight } of arcs) {
      const w = walk[before + from]! + weight
      if (w > walk[now + to]!) walk[now + to] = w
    }
  }
  let best = -Infinity
  for (let v = 0; v < n; v++) {
    const last = walk[n * n + v]!
    if (last === -Infinity) continue
    let worst = Infinity
    for (let k = 0; k < n; k++) {
      const w = walk[k * n + v]!
      if (w !== -Infinity) worst = Math.min(worst, (last - w) / (n - k))
    }
    best = Math.max(best, worst)
  }
  return best
}

/** Component id of every vertex (iterative Tarjan). */
function stronglyConnectedComponents(n: number, arcs: readonly WeightedArc[]): number[] {
  const out: number[][] = Array.from({ length: n }, () => [])
  for (const a of arcs) out[a.from]!.push(a.to)
  const index = new Array<number>(n).fill(-1)
  const low = new Array<number>(n).fill(0)
  const onStack = new Array<boolean>(n).fill(false)
  const component = new Array<number>(n).fill(-1)
  const stack: number[] = []
  let counter = 0
  let components = 0
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue
    const frames: Array<{ v: number; next: number }> = [{ v: root, next: 0 }]
    index[root] = low[root] = counter++
    stack.push(root)
    onStack[root] = true
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!
      const { v } = frame
      const w = out[v]![frame.next++]
      if (w !== undefined) {
        if (index[w] === -1) {
          index[w] = low[w] = counter++
          stack.push(w)
          onStack[w] = true
          frames.push({ v: w, next: 0 })
        } else if (onStack[w]) {
          low[v] = Math.min(low[v]!, index[w]!)
        }
        continue
      }
      frames.pop()
      const parent = frames[frames.length - 1]
      if (parent !== undefined) low[parent.v] = Math.min(low[parent.v]!, low[v]!)
      if (low[v] === index[v]) {
        for (;;) {
          const x = stack.pop()!
          onStack[x] = false
          component[x] = components
          if (x === v) break
        }
        components++
      }
    }
  }
  return component
}
