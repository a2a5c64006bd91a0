/**
 * The overlay of a decentralized training in one round: silos on a circle (a star's centre in the
 * middle), each overlay edge an arrow from the silo that sends its model to the one that averages
 * it; strong edges (averaged this round) solid, weak ones (the model is still on its way) dashed,
 * and silos with no strong incoming edge marked isolated: they keep their own model this round.
 * A slider picks the round; it follows the latest round until it is moved.
 */
import { useId, useMemo, useState } from 'react'
import { layoutTopology, stateForRound, type ReportedTopology, type TopologyEdge } from '../../fl/topology.js'

interface TopologyViewProps {
  topology: ReportedTopology
  /** Rounds the training runs in all (the slider's end). */
  rounds: number
  /** The latest finished round (0 before the first): the round shown until the slider moves. */
  latestRound: number
  /** Display names by topology label (a node's name for a client id); the label itself otherwise. */
  names?: ReadonlyMap<string, string>
  /** Start at this round instead of following the latest (tests, links). */
  initialRound?: number
}

const SIZE = 360
/** Room either side of the circle for the labels of the silos on its left and right. */
const LABEL_MARGIN = 70

export function TopologyView({ topology, rounds, latestRound, names, initialRound }: TopologyViewProps) {
  const [picked, setPicked] = useState<number | null>(initialRound ?? null)
  const last = Math.max(1, rounds, latestRound)
  const round = Math.min(last, Math.max(1, picked ?? latestRound))
  const state = stateForRound(topology, round)
  const layout = useMemo(() => layoutTopology(topology, state, SIZE), [topology, state])
  const id = useId()
  const nameOf = (label: string): string => names?.get(label) ?? label
  const edgeTitle = (e: TopologyEdge, strong: boolean): string =>
    `${nameOf(topology.labels[e.from]!)} → ${nameOf(topology.labels[e.to]!)}\n${strong ? 'strong: averaged this round' : 'weak: model still in transit'}\n${e.multiplicity} parallel edge${e.multiplicity === 1 ? '' : 's'} · delay ${e.delayMs.toFixed(1)} ms`
  return (
    <section className="card fl-topology-card" aria-labelledby={`${id}-title`} data-testid="fl-topology" data-round={round} data-state={state} data-strong={layout.strongCount} data-weak={layout.weakCount} data-isolated={layout.isolated.length}>
      <header className="card-head">
        <h2 id={`${id}-title`}>
          Topology{' '}
          <span className="card-sub">
            {topology.overlay} · {topology.stateCount} state{topology.stateCount === 1 ? '' : 's'}
            {topology.cycleTimeMs !== undefined && <span data-testid="fl-topology-cycle"> · cycle time {topology.cycleTimeMs.toFixed(1)} ms</span>}
          </span>
        </h2>
        <ul className="legend" aria-label="Topology legend">
          <li>
            <span className="swatch fl-swatch-strong" /> strong
          </li>
          <li>
            <span className="swatch fl-swatch-weak" /> weak
          </li>
          <li>
            <span className="fl-swatch-isolated" aria-hidden="true" /> isolated
          </li>
        </ul>
      </header>
      <div className="card-body">
        <label className="fl-round-slider">
          <span>
            Round <strong data-testid="fl-topology-round">{round}</strong> · state {state} of {topology.stateCount}
          </span>
          <input type="range" min={1} max={last} step={1} value={round} onChange={(e) => setPicked(Number(e.currentTarget.value))} aria-valuetext={`round ${round}, state ${state}`} data-testid="fl-topology-slider" />
        </label>
        <p className="note" data-testid="fl-topology-counts">
          {layout.strongCount} strong · {layout.weakCount} weak · {layout.isolated.length} isolated
          {layout.isolated.length > 0 && `: ${layout.isolated.map((i) => nameOf(topology.labels[i]!)).join(', ')}`}
        </p>
      </div>
      <svg className="fl-topology" viewBox={`${-LABEL_MARGIN} 0 ${SIZE + 2 * LABEL_MARGIN} ${SIZE}`} role="img" aria-label={`Topology in round ${round}: ${layout.strongCount} strong edges, ${layout.weakCount} weak edges, ${layout.isolated.length} isolated silos`}>
        <defs>
          <marker id={`${id}-strong`} className="fl-arrow-strong" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0 0 L10 5 L0 10 z" />
          </marker>
          <marker id={`${id}-weak`} className="fl-arrow-weak" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0 0 L10 5 L0 10 z" />
          </marker>
        </defs>
        {layout.edges.map(({ edge, strong, path }) => (
          <path
            key={`${edge.from}-${edge.to}`}
            className={`fl-edge ${strong ? 'fl-edge-strong' : 'fl-edge-weak'}`}
            d={path}
            markerEnd={`url(#${id}-${strong ? 'strong' : 'weak'})`}
            data-testid="fl-edge"
            data-from={topology.labels[edge.from]}
            data-to={topology.labels[edge.to]}
            data-strong={strong}
          >
            <title>{edgeTitle(edge, strong)}</title>
          </path>
        ))}
        {layout.nodes.map((n) => (
          <g key={n.index} className={`fl-silo${n.isolated ? ' fl-silo-isolated' : ''}`} data-testid="fl-silo" data-label={n.label} data-isolated={n.isolated}>
            <title>{`${nameOf(n.label)}${n.isolated ? '\nisolated: no strong incoming edge, keeps its own model this round' : ''}`}</title>
            {n.isolated && <circle className="fl-silo-halo" cx={n.x} cy={n.y} r={layout.nodeRadius + 5} />}
            <circle className="fl-silo-dot" cx={n.x} cy={n.y} r={layout.nodeRadius} />
            <text className="fl-silo-label" x={n.labelX} y={n.labelY} textAnchor={n.anchor}>
              {shortLabel(nameOf(n.label))}
            </text>
          </g>
        ))}
      </svg>
    </section>
  )
}

/** Long names (node ids) cut so labels do not run into each other. */
function shortLabel(label: string): string {
  return label.length > 14 ? `${label.slice(0, 12)}…` : label
}
