/**
 * The world map card: bundled country outlines, one marker per node, legend, hub id in the header.
 * The storage page passes `highlight` (nodes holding the selected object's pieces) and its own title;
 * the jobs page passes `tasks` (nodes that ran the selected job's tasks, with how each went).
 */
import { useMemo } from 'react'
import type { NodeInfo } from '@w3ai/protocol'
import { GRATICULE_PATH, MAP_HEIGHT, MAP_WIDTH, project, SPHERE_PATH } from '../atlas.js'
import { hubLabel } from '../format.js'
import type { TaskOutcome } from '../jobs/history.js'
import { useCountries } from '../hooks/use-countries.js'
import { placeNodes } from '../map-layout.js'
import { MapLegend } from './MapLegend.js'
import { MapMarker } from './MapMarker.js'

interface WorldMapProps {
  nodes: ReadonlyMap<string, NodeInfo>
  hubId: string | null
  highlight?: ReadonlySet<string>
  tasks?: ReadonlyMap<string, TaskOutcome>
  title?: string
}

export function WorldMap({ nodes, hubId, highlight, tasks, title = 'Network map' }: WorldMapProps) {
  const countries = useCountries()
  const placed = useMemo(() => placeNodes(nodes.values(), project), [nodes])
  return (
    <section className="card map-card">
      <header className="card-head">
        <h2>
          {title} <code className="card-sub" title="hub id">{hubId === null ? '…' : hubLabel(hubId)}</code>
        </h2>
        <MapLegend pieces={highlight !== undefined} tasks={tasks !== undefined} />
      </header>
      <svg className="map" viewBox={`0 0 ${MAP_WIDTH} ${MAP_HEIGHT}`} role="img" aria-label="World map of nodes">
        <path className="map-sphere" d={SPHERE_PATH} />
        <path className="map-graticule" d={GRATICULE_PATH} />
        {countries !== null && (
          <>
            <path className="map-land" d={countries.land} />
            <path className="map-borders" d={countries.borders} />
          </>
        )}
        {placed.map(({ node, x, y }) => (
          <MapMarker key={node.id} node={node} x={x} y={y} holdsPiece={highlight?.has(node.id) ?? false} task={tasks?.get(node.id)} />
        ))}
      </svg>
    </section>
  )
}
