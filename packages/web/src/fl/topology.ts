/**
 * The topology of a decentralized training on the page: read from the training (checked, since it
 * arrives as JSON), the state a round uses, and a circle layout with every overlay edge as a
 * slightly bent arrow (so the two directions between a pair stay apart). Pure geometry; the SVG
 * is TopologyView's.
 */
import { stateOfRound, topologyState, type Topology, type TopologyEdge } from '@w3ai/federated/topology'

export type { Topology, TopologyEdge }

const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min

/** A topology as the hub reports it: with its cycle time (specs/multigraph.md section 6) when the hub computed one. */
export type ReportedTopology = Topology & { cycleTimeMs?: number }

/**
 * The training's topology when the hub reports one (`topology`, the shape @w3ai/federated builds:
 * labels, overlay, computeMs, edges with delay and multiplicity, stateCount, and cycleTimeMs);
 * null when absent or malformed, so a bad answer hides the card rather than breaking the page.
 */
export function topologyOf(training: object): ReportedTopology | null {
  const t = (training as { topology?: unknown }).topology
  if (t === null || typeof t !== 'object') return null
  const { labels, overlay, computeMs, edges, stateCount } = t as Record<string, unknown>
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === 'string')) return null
  if (typeof overlay !== 'string' || !isInt(stateCount, 1) || !Array.isArray(edges)) return null
  const n = labels.length
  const checked: TopologyEdge[] = []
  for (const e of edges as unknown[]) {
    if (e === null || typeof e !== 'object') return null
    const { from, to, delayMs, multiplicity } = e as Record<string, unknown>
    if (!isInt(from, 0) || !isInt(to, 0) || from >= n || to >= n || !isInt(multiplicity, 1)) return null
    checked.push({ from, to, multiplicity, delayMs: typeof delayMs === 'number' && Number.isFinite(delayMs) ? delayMs : 0 })
  }
  const cycleTimeMs = (t as Record<string, unknown>).cycleTimeMs
  return {
    labels: labels as string[],
    overlay: overlay as Topology['overlay'],
    computeMs: typeof computeMs === 'number' ? computeMs : 0,
    edges: checked,
    stateCount,
    ...(typeof cycleTimeMs === 'number' && Number.isFinite(cycleTimeMs) && cycleTimeMs >= 0 ? { cycleTimeMs } : {}),
  }
}

/** The hub numbers rounds from 1; the multigraph's round k (from 0) uses state k mod s_max, so round 1 is state 0, the whole overlay. */
export function stateForRound(topology: Topology, round: number): number {
  return stateOfRound(topology, Math.max(0, Math.floor(round) - 1))
}

export interface PlacedNode {
  index: number
  label: string
  x: number
  y: number
  /** Where its label goes: outside the circle, anchored away from the centre. */
  labelX: number
  labelY: number
  anchor: 'start' | 'middle' | 'end'
  isolated: boolean
}

export interface PlacedEdge {
  edge: TopologyEdge
  strong: boolean
  /** A quadratic curve from the sender's rim to the receiver's rim. */
  path: string
}

export interface TopologyLayout {
  size: number
  nodeRadius: number
  state: number
  nodes: PlacedNode[]
  edges: PlacedEdge[]
  strongCount: number
  weakCount: number
  isolated: number[]
}

const NODE_RADIUS = 9
const BEND = 0.12

/** Lays out `topology` in state `state` in a `size` × `size` box: silos on a circle (a star's centre in the middle). */
export function layoutTopology(topology: Topology, state: number, size = 360): TopologyLayout {
  const { strong, weak, isolated } = topologyState(topology, state)
  const n = topology.labels.length
  const centre = size / 2
  const radius = size / 2 - 56
  const hub = topology.overlay === 'star' ? starCentre(topology) : -1
  const ring = topology.labels.map((_, i) => i).filter((i) => i !== hub)
  const isolatedSet = new Set(isolated)
  const nodes: PlacedNode[] = new Array(n)
  const place = (index: number, x: number, y: number, angle: number | null): void => {
    const out = angle === null ? { x: 0, y: -(NODE_RADIUS + 8) } : { x: Math.cos(angle) * (NODE_RADIUS + 10), y: Math.sin(angle) * (NODE_RADIUS + 10) }
    const cos = angle === null ? 0 : Math.cos(angle)
    nodes[index] = {
      index,
      label: topology.labels[index]!,
      x,
      y,
      labelX: x + out.x,
      labelY: y + out.y + 4,
      anchor: Math.abs(cos) < 0.3 ? 'middle' : cos > 0 ? 'start' : 'end',
      isolated: isolatedSet.has(index),
    }
  }
  if (hub >= 0) place(hub, centre, centre, null)
  ring.forEach((index, k) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * k) / ring.length
    place(index, centre + radius * Math.cos(angle), centre + radius * Math.sin(angle), angle)
  })
  const strongSet = new Set(strong)
  const edges = [...weak, ...strong].map((edge) => ({ edge, strong: strongSet.has(edge), path: arrowPath(nodes[edge.from]!, nodes[edge.to]!) }))
  return { size, nodeRadius: NODE_RADIUS, state, nodes, edges, strongCount: strong.length, weakCount: weak.length, isolated }
}

/** The star's centre: the silo on most edges. */
function starCentre(topology: Topology): number {
  const degree = topology.labels.map(() => 0)
  for (const e of topology.edges) {
    degree[e.from]!++
    degree[e.to]!++
  }
  return degree.indexOf(Math.max(...degree))
}

/** A curve bent to the sender's left, trimmed to the two node rims so the arrowhead shows. */
function arrowPath(a: { x: number; y: number }, b: { x: number; y: number }): string {
  const dx = b.x - a.x
  const dy = b.y - a.y
  const length = Math.hypot(dx, dy) || 1
  const cx = (a.x + b.x) / 2 + (dy / length) * length * BEND
  const cy = (a.y + b.y) / 2 - (dx / length) * length * BEND
  const start = towards(a, { x: cx, y: cy }, NODE_RADIUS + 1)
  const end = towards(b, { x: cx, y: cy }, NODE_RADIUS + 3)
  const f = (v: number): string => v.toFixed(1)
  return `M${f(start.x)} ${f(start.y)} Q${f(cx)} ${f(cy)} ${f(end.x)} ${f(end.y)}`
}

function towards(from: { x: number; y: number }, to: { x: number; y: number }, distance: number): { x: number; y: number } {
  const dx = to.x - from.x
  const dy = to.y - from.y
  const length = Math.hypot(dx, dy) || 1
  return { x: from.x + (dx / length) * distance, y: from.y + (dy / length) * distance }
}
