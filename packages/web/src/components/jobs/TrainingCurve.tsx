/**
 * Loss and accuracy per epoch, train and validation, drawn as plain SVG from the job's progress
 * events; it grows live while the job trains. One `curve-point` group per epoch holds that epoch's
 * dots in both panels, with its numbers in the tooltip.
 */
import { useMemo } from 'react'
import { layoutCurve, type SeriesKey } from '../../jobs/curve.js'
import { percent, type EpochPoint } from '../../jobs/history.js'

const WIDTH = 640
const HEIGHT = 220

function tooltip(p: EpochPoint): string {
  const lines = [`epoch ${p.epoch}`]
  if (p.loss !== undefined) lines.push(`loss ${p.loss.toFixed(4)}`)
  if (p.valLoss !== undefined) lines.push(`val loss ${p.valLoss.toFixed(4)}`)
  if (p.acc !== undefined) lines.push(`acc ${percent(p.acc)}`)
  if (p.valAcc !== undefined) lines.push(`val acc ${percent(p.valAcc)}`)
  return lines.join('\n')
}

export function TrainingCurve({ points, live }: { points: readonly EpochPoint[]; live: boolean }) {
  const layout = useMemo(() => layoutCurve(points, WIDTH, HEIGHT), [points])
  const dots = useMemo(() => {
    const byEpoch = new Map<number, Array<{ key: SeriesKey; x: number; y: number }>>()
    for (const panel of layout.panels) for (const s of panel.series) for (const p of s.points) byEpoch.set(p.epoch, [...(byEpoch.get(p.epoch) ?? []), { key: s.key, x: p.x, y: p.y }])
    return byEpoch
  }, [layout])
  const last = points[points.length - 1]
  return (
    <section className="card curve-card">
      <header className="card-head">
        <h2>
          Training curve <span className="card-sub">{live ? 'live' : `${points.length} epoch${points.length === 1 ? '' : 's'}`}</span>
        </h2>
        <ul className="legend curve-legend" aria-label="Curve legend">
          <li>
            <span className="swatch swatch-train" /> train
          </li>
          <li>
            <span className="swatch swatch-val" /> validation
          </li>
          {last !== undefined && (
            <li className="legend-gap">
              epoch {last.epoch}
              {last.valAcc !== undefined ? ` · val acc ${percent(last.valAcc)}` : last.acc !== undefined ? ` · acc ${percent(last.acc)}` : ''}
            </li>
          )}
        </ul>
      </header>
      <svg className="curve" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="Training loss and accuracy per epoch" data-testid="training-curve" data-epochs={points.length}>
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
              <path key={s.key} className={`curve-line curve-${s.key.startsWith('val') ? 'val' : 'train'}`} d={s.path} />
            ))}
          </g>
        ))}
        {points.length === 0 && (
          <text className="curve-empty" x={WIDTH / 2} y={HEIGHT / 2} textAnchor="middle">
            {live ? 'Waiting for the first epoch…' : 'No epochs were reported.'}
          </text>
        )}
        {points.map((p) => (
          <g key={p.epoch} data-testid="curve-point" data-epoch={p.epoch} className="curve-point">
            <title>{tooltip(p)}</title>
            {(dots.get(p.epoch) ?? []).map((d) => (
              <circle key={d.key} className={`curve-dot curve-${d.key.startsWith('val') ? 'val' : 'train'}`} cx={d.x} cy={d.y} r={3} />
            ))}
          </g>
        ))}
      </svg>
    </section>
  )
}
