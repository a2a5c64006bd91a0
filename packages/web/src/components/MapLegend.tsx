/** Key for the map's colours (health) and shapes (role), the storage page's piece rings and the jobs page's task frames. */
export function MapLegend({ pieces = false, tasks = false }: { pieces?: boolean; tasks?: boolean }) {
  return (
    <ul className="legend" aria-label="Map legend">
      <li><svg width="12" height="12" viewBox="-6 -6 12 12"><circle className="legend-online" r="5" /></svg>online</li>
      <li><svg width="12" height="12" viewBox="-6 -6 12 12"><circle className="legend-suspect" r="5" /></svg>suspect</li>
      <li><svg width="12" height="12" viewBox="-6 -6 12 12"><circle className="legend-offline" r="5" /></svg>offline</li>
      <li className="legend-gap"><svg width="12" height="12" viewBox="-6 -6 12 12"><circle className="legend-role" r="4.5" /></svg>CPU node</li>
      <li><svg width="12" height="12" viewBox="-7 -7 14 14"><rect className="legend-role" x="-4" y="-4" width="8" height="8" transform="rotate(45)" /></svg>GPU node</li>
      {pieces && <li className="legend-gap"><svg width="14" height="14" viewBox="-7 -7 14 14"><circle className="marker-ring" r="5.5" /></svg>holds a piece</li>}
      {tasks && <li className="legend-gap"><svg width="14" height="14" viewBox="-7 -7 14 14"><rect className="marker-task marker-task-legend" x="-6" y="-6" width="12" height="12" rx="2" /></svg>ran a task</li>}
      {tasks && <li><svg width="14" height="14" viewBox="-7 -7 14 14"><g className="marker-task-failed"><rect className="marker-task" x="-6" y="-6" width="12" height="12" rx="2" /></g></svg>task failed / expired</li>}
    </ul>
  )
}
