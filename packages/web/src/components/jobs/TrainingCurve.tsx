/**
 * Loss and accuracy per epoch, train and validation, drawn as plain SVG from the job's progress
 * events; it grows live while the job trains. One `curve-point` group per epoch holds that epoch's
 * dots in both panels, with its numbers in the tooltip.
 */
import { useMemo } from 'react'
import { layoutCurve } from '../../jobs/curve.js'
import { CurvePanels } from '../CurvePanels.js'
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
        <CurvePanels layout={layout} points={points} tooltip={tooltip} pointProps={(p) => ({ 'data-testid': 'curve-point', 'data-epoch': p.epoch })} />
        {points.length === 0 && (
          <text className="curve-empty" x={WIDTH / 2} y={HEIGHT / 2} textAnchor="middle">
            {live ? 'Waiting for the first epoch…' : 'No epochs were reported.'}
          </text>
        )}
      </svg>
    </section>
  )
}
