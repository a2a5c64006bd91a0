/**
 * The SVG body of a loss-and-accuracy chart laid out by `layoutCurve`: each panel's title, grid,
 * ticks and series, then one group of dots per x value (an epoch or a round) with its tooltip.
 * The jobs page's training curve and the federated tab's round curves draw with it.
 */
import { useMemo } from 'react'
import type { CurveLayout, SeriesKey } from '../jobs/curve.js'
import type { EpochPoint } from '../jobs/history.js'

/** Solid for training metrics, dashed for validation or evaluation. */
export const seriesClass = (key: SeriesKey): string => (key.startsWith('val') ? 'curve-val' : 'curve-train')

interface CurvePanelsProps {
  layout: CurveLayout
  points: readonly EpochPoint[]
  /** Attributes of each point's group (its test id and x value), and its tooltip. */
  pointProps: (p: EpochPoint) => Record<string, string | number>
  tooltip: (p: EpochPoint) => string
}

export function CurvePanels({ layout, points, pointProps, tooltip }: CurvePanelsProps) {
  const dots = useMemo(() => {
    const byX = new Map<number, Array<{ key: SeriesKey; x: number; y: number }>>()
    for (const panel of layout.panels) for (const s of panel.series) for (const p of s.points) byX.set(p.epoch, [...(byX.get(p.epoch) ?? []), { key: s.key, x: p.x, y: p.y }])
    return byX
  }, [layout])
  return (
    <>
      {layout.panels.map((panel) => (
        <g key={panel.title} className="curve-panel">
          <text className="curve-title" x={panel.x} y={panel.y - 8}>
            {panel.title}
          </text>
          {panel.yTicks.map((t) => (
            <g key={t.label}>
              <line className="curve-grid" x1={panel.x} x2={panel.x + panel.width} y1={t.y} y2={t.y} />
              <text className="curve-tick" x={panel.x - 6} y={t.y + 3} textAnchor="end">
                {t.label}
              </text>
            </g>
          ))}
          {panel.xTicks.map((t) => (
            <text key={t.label} className="curve-tick" x={t.x} y={panel.y + panel.height + 16} textAnchor="middle">
              {t.label}
            </text>
          ))}
          {panel.series.map((s) => (
            <path key={s.key} className={`curve-line ${seriesClass(s.key)}`} d={s.path} data-series={s.key} />
          ))}
        </g>
      ))}
      {points.map((p) => (
        <g key={p.epoch} className="curve-point" {...pointProps(p)}>
          <title>{tooltip(p)}</title>
          {(dots.get(p.epoch) ?? []).map((d) => (
            <circle key={d.key} className={`curve-dot ${seriesClass(d.key)}`} cx={d.x} cy={d.y} r={3} />
          ))}
        </g>
      ))}
    </>
  )
}
