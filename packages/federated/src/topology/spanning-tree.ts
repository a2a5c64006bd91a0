/** Minimum spanning tree of a complete graph given as a weight matrix (Prim, O(n²): dense graphs). */

/** The n - 1 tree edges as [parent, child] pairs, grown from vertex 0; ties go to the lower index. */
export function minimumSpanningTree(weights: readonly (readonly number[])[]): Array<[number, number]> {
  const n = weights.length
  const inTree = new Array<boolean>(n).fill(false)
  const best = new Array<number>(n).fill(Infinity)
  const parent = new Array<number>(n).fill(-1)
  const edges: Array<[number, number]> = []
  best[0] = 0
  for (let step = 0; step < n; step++) {
    let u = -1
    for (let v = 0; v < n; v++) if (!inTree[v] && (u < 0 || best[v]! < best[u]!)) u = v
    inTree[u] = true
    if (parent[u]! >= 0) edges.push([parent[u]!, u])
    const row = weights[u]!
    for (let v = 0; v < n; v++) {
      if (!inTree[v] && row[v]! < best[v]!) {
        best[v] = row[v]!
        parent[v] = u
      }
    }
  }
  return edges
}
