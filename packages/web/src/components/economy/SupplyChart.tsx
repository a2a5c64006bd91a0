/**
 * Treasury and burned supply over time, replayed from the public journal (economy/supply.ts) and
 * drawn with the curve panels of the jobs and federated pages. One `supply-point` group per drawn
 * point, with the exact amounts in its tooltip; the headline numbers are the latest balances.
 */
import { useMemo } from 'react'
import type { EpochPoint } from '../../jobs/history.js'
import { layoutSupply } from '../../economy/supply-curve.js'
import type { SupplySeries } from '../../economy/supply.js'
import { formatTokens } from '../../economy/tokens.js'
import { CurvePanels } from '../CurvePanels.js'

// A full-width card: a wide box keeps the axis text small.
const WIDTH = 1200
const HEIGHT = 240

interface SupplyChartProps {
  series: SupplySeries
  /** Still reading older journal entries. */
  behind: boolean
  error: string | null
  /** The right end of the time axis (ms): now. */
  now: number
}

export function SupplyChart({ series, behind, error, now }: SupplyChartProps) {
  const chart = useMemo(() => layoutSupply(series.points, WIDTH, HEIGHT, now), [series, now])
  const tooltip = (p: EpochPoint): string => {
    const s = chart.shown[p.epoch]
    return s === undefined ? '' : `${s.at} (entry ${s.seq})\ntreasury ${formatTokens(s.treasury)} tokens\nburned ${formatTokens(s.burned)} tokens`
  }
  return (
    <section className="card curve-card" aria-labelledby="supply-title" data-testid="supply-card">
      <header className="card-head">
        <h2 id="supply-title">
          Treasury and burned supply <span className="card-sub">{behind ? 'reading the journal…' : `from ${series.lastSeq.toLocaleString('en-US')} journal entries`}</span>
        </h2>
        <ul className="legend curve-legend" aria-label="Latest balances">
          <li data-testid="supply-treasury" data-units={series.treasury.toString()}>
            treasury {formatTokens(series.treasury)}
          </li>
          <li data-testid="supply-burned" data-units={series.burned.toString()}>
            burned {formatTokens(series.burned)}
          </li>
        </ul>
      </header>
      {error !== null && <p className="error">{error}</p>}
      <svg className="curve" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="Treasury and burned tokens over time" data-testid="supply-chart" data-points={chart.points.length}>
        <CurvePanels layout={chart.layout} points={chart.points} tooltip={tooltip} pointProps={(p) => ({ 'data-testid': 'supply-point', 'data-seq': chart.shown[p.epoch]?.seq ?? 0 })} />
        {chart.points.length === 0 && (
          <text className="curve-empty" x={WIDTH / 2} y={HEIGHT / 2} textAnchor="middle">
            {behind ? 'Reading the journal…' : 'Nothing has reached the treasury or been burned yet.'}
          </text>
        )}
      </svg>
    </section>
  )
}
