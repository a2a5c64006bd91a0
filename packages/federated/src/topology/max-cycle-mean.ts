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
  return maxCycleMeanSolver(n, arcs)(arcs.map((a) => a.weight))
}

/**
 * Prepares Karp's algorithm for fixed arcs whose weights change (the cycle time asks once per
 * round): the components and buffers are built once; the result takes `weights[i]` for `arcs[i]`.
 */
export function maxCycleMeanSolver(n: number, arcs: ReadonlyArray<{ from: number; to: number }>): (weights: ArrayLike<number>) => number {
  const component = stronglyConnectedComponents(n, arcs)
  const size = new Map<number, number>()
  const local = component.map((c) => {
    const i = size.get(c) ?? 0
    size.set(c, i + 1)
    return i
  })
  const parts = [...size].map(([c, vertices]) => {
    const inside = arcs.flatMap((a, index) => (component[a.from] === c && component[a.to] === c ? [{ from: local[a.from]!, to: local[a.to]!, index }] : []))
    return {
      vertices,
      arcs: { from: Int32Array.from(inside, (a) => a.from), to: Int32Array.from(inside, (a) => a.to), index: Int32Array.from(inside, (a) => a.index) },
      walk: new Float64Array((vertices + 1) * vertices),
    }
  })
  const cyclic = parts.filter((p) => p.arcs.from.length > 0)
  return (weights) => cyclic.reduce((best, p) => Math.max(best, karp(p.vertices, p.arcs, weights, p.walk)), -Infinity)
}

/** Karp on a strongly connected digraph with at least one arc; `walk` is scratch of (n + 1) × n. */
function karp(n: number, arcs: { from: Int32Array; to: Int32Array; index: Int32Array }, weights: ArrayLike<number>, walk: Float64Array): number {
  const { from, to, index } = arcs
  // walk[k * n + v]: the heaviest walk of exactly k arcs from vertex 0 to v.
  walk.fill(-Infinity)
  walk[0] = 0
  for (let k = 1; k <= n; k++) {
    const before = (k - 1) * n
    const now = k * n
    for (let a = 0; a < from.length; a++) {
      const w = walk[before + from[a]!]! + weights[index[a]!]!
      if (w > walk[now + to[a]!]!) walk[now + to[a]!] = w
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
function stronglyConnectedComponents(n: number, arcs: ReadonlyArray<{ from: number; to: number }>): number[] {
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
