/**
 * The dashboard's picture of the network, and how each event-stream message changes it.
 * Pure functions so the rules are unit-tested without a browser; every update returns a new
 * object so React sees the change.
 */
import type { EventStreamMessage, NodeInfo, NodeStatus } from '@w3ai/protocol'

export interface NetworkState {
  /** Set by the stream's `hello`; null until the first one arrives. */
  hubId: string | null
  nodes: ReadonlyMap<string, NodeInfo>
}

export const EMPTY_NETWORK: NetworkState = { hubId: null, nodes: new Map() }

/** Applies one stream message; unknown node ids are ignored (the next `hello` resynchronises). */
export function applyMessage(state: NetworkState, message: EventStreamMessage): NetworkState {
  switch (message.type) {
    case 'hello':
      return { hubId: message.hubId, nodes: new Map(message.nodes.map((n) => [n.id, n])) }
    case 'node.registered': {
      const nodes = new Map(state.nodes)
      nodes.set(message.node.id, message.node)
      return { ...state, nodes }
    }
    case 'node.status': {
      const node = state.nodes.get(message.id)
      if (node === undefined || node.status === message.status) return state
      const nodes = new Map(state.nodes)
      nodes.set(node.id, { ...node, status: message.status, statusChangedAt: message.at })
      return { ...state, nodes }
    }
    case 'node.load': {
      let nodes: Map<string, NodeInfo> | null = null
      for (const { id, load } of message.loads) {
        const node = state.nodes.get(id)
        if (node === undefined) continue
        nodes ??= new Map(state.nodes)
        // A load sample is a heartbeat the hub received at `load.at`, so it also dates "last seen".
        nodes.set(id, { ...node, load, lastSeenAt: load.at })
      }
      return nodes === null ? state : { ...state, nodes }
    }
    case 'node.audit': {
      const node = state.nodes.get(message.id)
      if (node === undefined) return state
      const nodes = new Map(state.nodes)
      nodes.set(node.id, { ...node, audit: message.audit })
      return { ...state, nodes }
    }
    default:
      return state
  }
}

export type StatusCounts = Record<NodeStatus | 'total', number>

/** Counts by status, used before the hub's summary arrives so the overview is never blank. */
export function countByStatus(nodes: Iterable<NodeInfo>): StatusCounts {
  const counts: StatusCounts = { online: 0, suspect: 0, offline: 0, total: 0 }
  for (const node of nodes) {
    counts[node.status] += 1
    counts.total += 1
  }
  return counts
}

/** A node with any GPU is shown as a GPU node, otherwise as a CPU node. */
export function roleOf(node: NodeInfo): 'gpu' | 'cpu' {
  return node.capabilities.gpus.length > 0 ? 'gpu' : 'cpu'
}

/** Stable display order: online first, then suspect, then offline; by name within a status. */
export function sortNodes(nodes: Iterable<NodeInfo>): NodeInfo[] {
  const rank: Record<NodeStatus, number> = { online: 0, suspect: 1, offline: 2 }
  return [...nodes].sort((a, b) => rank[a.status] - rank[b.status] || byName(a.name, b.name) || a.id.localeCompare(b.id))
}

// Numeric-aware, so node-2 sorts before node-10.
function byName(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true })
}

export interface RegionStats {
  region: string
  total: number
  online: number
}

/** Nodes per region, busiest region first; feeds the region list and the table's filter. */
export function regionStats(nodes: Iterable<NodeInfo>): RegionStats[] {
  const byRegion = new Map<string, RegionStats>()
  for (const node of nodes) {
    const stats = byRegion.get(node.region) ?? { region: node.region, total: 0, online: 0 }
    stats.total += 1
    if (node.status === 'online') stats.online += 1
    byRegion.set(node.region, stats)
  }
  return [...byRegion.values()].sort((a, b) => b.total - a.total || a.region.localeCompare(b.region))
}
