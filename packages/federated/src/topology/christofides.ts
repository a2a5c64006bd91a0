/**
 * Christofides' travelling-salesman approximation on a complete graph with symmetric weights:
 * minimum spanning tree, minimum-weight perfect matching on its odd-degree vertices, an Euler
 * circuit of the union, then shortcuts past repeated vertices. On metric weights the tour is at
 * most 1.5 × the optimum when the matching is exact (see matching.ts for when it is).
 */
import { minWeightPerfectMatching } from './matching.js'
import { minimumSpanningTree } from './spanning-tree.js'

/** A visiting order of all vertices starting at 0 (the tour closes back to 0). */
export function christofidesTour(weights: readonly (readonly number[])[]): number[] {
  const n = weights.length
  if (n <= 3) return Array.from({ length: n }, (_, i) => i)
  const tree = minimumSpanningTree(weights)
  const degree = new Array<number>(n).fill(0)
  for (const [u, v] of tree) {
    degree[u]!++
    degree[v]!++
  }
  const odd = degree.flatMap((d, v) => (d % 2 === 1 ? [v] : []))
  const edges = [...tree, ...minWeightPerfectMatching(odd, weights)]
  const seen = new Set<number>()
  const tour: number[] = []
  for (const v of eulerCircuit(n, edges)) {
    if (seen.has(v)) continue
    seen.add(v)
    tour.push(v)
  }
  return tour
}

/** Hierholzer's algorithm on a connected multigraph whose vertices all have even degree, from 0. */
function eulerCircuit(n: number, edges: ReadonlyArray<readonly [number, number]>): number[] {
  const incident: number[][] = Array.from({ length: n }, () => [])
  edges.forEach(([u, v], e) => {
    incident[u]!.push(e)
    incident[v]!.push(e)
  })
  const used = new Array<boolean>(edges.length).fill(false)
  const next = new Array<number>(n).fill(0)
  const stack = [0]
  const circuit: number[] = []
  while (stack.length > 0) {
    const v = stack[stack.length - 1]!
    const list = incident[v]!
    while (next[v]! < list.length && used[list[next[v]!]!]) next[v]!++
    if (next[v]! === list.length) {
      circuit.push(stack.pop()!)
      continue
    }
    const e = list[next[v]!]!
    used[e] = true
    const [a, b] = edges[e]!
    stack.push(a === v ? b : a)
  }
  return circuit.reverse()
}
