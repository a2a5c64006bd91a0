/**
 * Where each node's marker goes. Nodes at the same spot (a devnet on one laptop, a rack in one
 * city) would hide each other, so markers closer than a marker's width are fanned out in a ring.
 */
import type { NodeInfo, NodeStatus } from '@w3ai/protocol'

export interface PlacedNode {
  node: NodeInfo
  x: number
  y: number
}

/** Closer than this (map units) counts as "the same spot". */
const CLUSTER_RADIUS = 6
/** Radius of the ring a cluster is fanned out on, grown for big clusters. */
const RING_SPACING = 9

/** Problems are drawn last so they sit on top of healthy markers. */
const DRAW_ORDER: Record<NodeStatus, number> = { online: 0, suspect: 1, offline: 2 }

export function placeNodes(
  nodes: Iterable<NodeInfo>,
  project: (lon: number, lat: number) => [number, number] | null,
): PlacedNode[] {
  const clusters: Array<{ x: number; y: number; members: NodeInfo[] }> = []
  // Id order keeps each node's slot in its ring stable as statuses change.
  const sorted = [...nodes].sort((a, b) => a.id.localeCompare(b.id))
  for (const node of sorted) {
    const point = project(node.location.lon, node.location.lat)
    if (point === null) continue
    const [x, y] = point
    const near = clusters.find((c) => Math.hypot(c.x - x, c.y - y) < CLUSTER_RADIUS)
    if (near === undefined) clusters.push({ x, y, members: [node] })
    else near.members.push(node)
  }

  const placed: PlacedNode[] = []
  for (const { x, y, members } of clusters) {
    if (members.length === 1) {
      placed.push({ node: members[0]!, x, y })
      continue
    }
    const radius = Math.max(RING_SPACING, (members.length * RING_SPACING) / (2 * Math.PI))
    members.forEach((node, i) => {
      const angle = (2 * Math.PI * i) / members.length - Math.PI / 2
      placed.push({ node, x: x + radius * Math.cos(angle), y: y + radius * Math.sin(angle) })
    })
  }
  return placed.sort((a, b) => DRAW_ORDER[a.node.status] - DRAW_ORDER[b.node.status])
}
