/**
 * One node on the map: colour says health, shape says role (circle CPU, diamond GPU); a ring marks
 * a node holding a piece of the object selected on the storage page, and a square frame a node
 * that ran a task of the job selected on the jobs page (dashed red when its attempt failed).
 */
import type { NodeInfo } from '@w3ai/protocol'
import { loadSummary, placeOf } from '../format.js'
import type { TaskOutcome } from '../jobs/history.js'
import { roleOf } from '../node-state.js'

interface MapMarkerProps {
  node: NodeInfo
  x: number
  y: number
  holdsPiece?: boolean
  /** How this node's task of the selected job went; undefined when it ran none. */
  task?: TaskOutcome | undefined
}

export function MapMarker({ node, x, y, holdsPiece = false, task }: MapMarkerProps) {
  const role = roleOf(node)
  const taskLine = task === undefined ? '' : `\nran a task: ${task}`
  const tooltip = `${node.name}\n${placeOf(node)}\n${node.status} · ${role.toUpperCase()}\n${loadSummary(node)}${taskLine}`
  const classes = ['marker', `marker-${node.status}`, `marker-${role}`]
  if (holdsPiece) classes.push('marker-holds')
  if (task !== undefined) classes.push('marker-ran', `marker-task-${task}`)
  return (
    <g
      className={classes.join(' ')}
      transform={`translate(${x.toFixed(1)} ${y.toFixed(1)})`}
      data-testid="map-node"
      data-node-id={node.id}
      data-status={node.status}
      data-holds-piece={holdsPiece ? 'true' : undefined}
      data-ran-task={task === undefined ? undefined : 'true'}
      data-task-outcome={task}
    >
      <title>{tooltip}</title>
      {node.status === 'online' && <circle className="marker-halo" r={9} />}
      {holdsPiece && <circle className="marker-ring" r={10} />}
      {task !== undefined && <rect className="marker-task" x={-11} y={-11} width={22} height={22} rx={4} />}
      {role === 'gpu' ? <rect className="marker-shape" x={-5} y={-5} width={10} height={10} transform="rotate(45)" /> : <circle className="marker-shape" r={5.5} />}
    </g>
  )
}
