/**
 * Accuracy and loss per round, drawn with the jobs page's curve geometry: the clients' training
 * metrics as the solid series, the global model on the held-out dataset as the dashed one. The
 * x axis spans every round the training will run, so the curve grows live into it. One
 * `fl-curve-point` group per round holds that round's dots, with its numbers in the tooltip.
 */
import { useMemo } from 'react'
import { layoutCurve } from '../../jobs/curve.js'
import { CurvePanels } from '../CurvePanels.js'
import { percent, type EpochPoint } from '../../jobs/history.js'

const WIDTH = 640
const HEIGHT = 220

interface RoundCurvesProps {
  /** One point per finished round (`epoch` is the round): roundPoints(training.rounds). */
  points: readonly EpochPoint[]
  /** Rounds the training runs in all. */
  rounds: number
  live: boolean
}

function tooltip(p: EpochPoint): string {
  const lines = [`round ${p.epoch}`]
  if (p.valAcc !== undefined) lines.push(`evaluation accuracy ${percent(p.valAcc)}`)
  if (p.valLoss !== undefined) lines.push(`evaluation loss ${p.valLoss.toFixed(4)}`)
  if (p.acc !== undefined) lines.push(`clients' accuracy ${percent(p.acc)}`)
  if (p.loss !== undefined) lines.push(`clients' loss ${p.loss.toFixed(4)}`)
  return lines.join('\n')
}

export function RoundCurves({ points, rounds, live }: RoundCurvesProps) {
  const layout = useMemo(() => layoutCurve(points, WIDTH, HEIGHT, rounds), [points, rounds])
  const hasEval = points.some((p) => p.valAcc !== undefined || p.valLoss !== undefined)
  const hasTrain = points.some((p) => p.acc !== undefined || p.loss !== undefined)
  const last = points[points.length - 1]
  const headline = last?.valAcc ?? last?.acc
  return (
    <section className="card curve-card" aria-labelledby="fl-curves-title">
      <header className="card-head">
        <h2 id="fl-curves-title">
          Accuracy and loss per round <span className="card-sub">{live ? 'live' : `${points.length} of ${rounds} round${rounds === 1 ? '' : 's'}`}</span>
        </h2>
        <ul className="legend curve-legend" aria-label="Curve legend">
          {hasTrain && (
            <li>
              <span className="swatch swatch-train" /> clients (training)
            </li>
          )}
          {hasEval && (
            <li>
              <span className="swatch swatch-val" /> held-out evaluation
            </li>
          )}
          {last !== undefined && (
            <li className="legend-gap" data-testid="fl-curve-latest">
              round {last.epoch}
              {headline !== undefined ? ` · accuracy ${percent(headline)}` : ''}
            </li>
          )}
        </ul>
      </header>
      <svg className="curve" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="Global model loss and accuracy per round" data-testid="fl-curves" data-rounds={points.length}>
        <CurvePanels layout={layout} points={points} tooltip={tooltip} pointProps={(p) => ({ 'data-testid': 'fl-curve-point', 'data-round': p.epoch })} />
        {points.length === 0 && (
          <text className="curve-empty" x={WIDTH / 2} y={HEIGHT / 2} textAnchor="middle">
            {live ? 'Waiting for the first round…' : 'No rounds finished.'}
          </text>
        )}
      </svg>
    </section>
  )
}
