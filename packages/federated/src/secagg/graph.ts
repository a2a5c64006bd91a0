/**
 * The sparse masking graph of SecAgg+: participants are shuffled by a PRG keyed with the seed the
 * server publishes, laid on a ring, and each is joined to the k/2 nearest on either side. Every
 * client gets exactly k neighbours (a Harary graph), and anyone holding the seed and the
 * participant list computes the same graph, so a client can check the neighbours it is given.
 */
import { prgWords } from '@w3ai/crypto'
import { DOMAIN, graphDegree } from './stages.js'

/** Each participant's neighbours (sorted ids) for `neighbours` per client and a 32-byte seed. */
export function neighbourGraph(participants: readonly string[], neighbours: number, seed: Uint8Array): Map<string, string[]> {
  const order = [...participants].sort()
  const n = order.length
  const words = prgWords(seed, n, DOMAIN.graph)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(((words[i] as number) / 2 ** 32) * (i + 1))
    const t = order[i] as string
    order[i] = order[j] as string
    order[j] = t
  }
  const half = graphDegree(neighbours, n) / 2
  const graph = new Map<string, string[]>()
  order.forEach((id, p) => {
    const near = new Set<string>()
    for (let d = 1; d <= Math.ceil(half); d++) {
      near.add(order[(p + d) % n] as string)
      near.add(order[(p - d + n) % n] as string)
    }
    near.delete(id)
    graph.set(id, [...near].sort())
  })
  return graph
}

/** The neighbourhood a client's secrets are shared over: itself and its neighbours, sorted. */
export function neighbourhood(graph: ReadonlyMap<string, readonly string[]>, clientId: string): string[] {
  return [...(graph.get(clientId) ?? []), clientId].sort()
}
