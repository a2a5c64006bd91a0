/**
 * Participants and dropouts per round as a strip of stacked bars: green for clients whose update
 * is in the aggregate, red for clients that did not answer in time or sent an unusable update; a
 * failed round is outlined. The bars share one scale (the most clients any round asked), and each
 * carries its numbers in the tooltip and in data attributes for tests.
 */
import type { RoundTurnout } from '../../fl/rounds.js'

const HEIGHT = 96
const TOP = 8
const BOTTOM = 18
const LEFT = 28
const MAX_BAR = 22
const WIDTH = 640

interface TurnoutStripProps {
  turnout: readonly RoundTurnout[]
  /** Rounds the training runs in all: the strip leaves room for the ones to come. */
  rounds: number
  /** Clients of the training, the scale's floor (so one small round does not fill the strip). */
  clients: number
}

function tooltip(t: RoundTurnout): string {
  const lines = [`round ${t.round}${t.failed ? ' (failed)' : ''}`, `${t.participants} participant${t.participants === 1 ? '' : 's'}`, `${t.dropouts} dropout${t.dropouts === 1 ? '' : 's'}`]
  if (t.error !== null) lines.push(t.error)
  return lines.join('\n')
}

export function TurnoutStrip({ turnout, rounds, clients }: TurnoutStripProps) {
  const slots = Math.max(rounds, turnout.at(-1)?.round ?? 0, 1)
  const width = WIDTH
  const slot = (width - LEFT - 8) / slots
  const bar = Math.max(0.5, Math.min(MAX_BAR, slot * 0.7))
  const scale = Math.max(clients, 1, ...turnout.map((t) => t.participants + t.dropouts))
  const inner = HEIGHT - TOP - BOTTOM
  const y = (count: number): number => (count / scale) * inner
  const totals = turnout.reduce((s, t) => ({ participants: s.participants + t.participants, dropouts: s.dropouts + t.dropouts }), { participants: 0, dropouts: 0 })
  const labelEvery = Math.max(1, Math.ceil(slots / 10))
  return (
    <section className="card fl-turnout-card" aria-labelledby="fl-turnout-title">
      <header className="card-head">
        <h2 id="fl-turnout-title">Participants and dropouts per round</h2>
        <ul className="legend" aria-label="Turnout legend">
          <li>
            <span className="swatch fl-swatch-participants" /> participants
          </li>
          <li>
            <span className="swatch fl-swatch-dropouts" /> dropouts
          </li>
          <li className="legend-gap" data-testid="fl-turnout-totals">
            {turnout.length === 0 ? 'no rounds yet' : `${totals.dropouts} dropout${totals.dropouts === 1 ? '' : 's'} in ${turnout.length} round${turnout.length === 1 ? '' : 's'}`}
          </li>
        </ul>
      </header>
      <svg className="fl-turnout" viewBox={`0 0 ${width} ${HEIGHT}`} role="img" aria-label={`Participants and dropouts in each of ${turnout.length} rounds`} data-testid="fl-turnout">
        <line className="curve-grid" x1={LEFT} x2={width - 8} y1={TOP + inner} y2={TOP + inner} />
        <text className="curve-tick" x={LEFT - 6} y={TOP + 4} textAnchor="end">
          {scale}
        </text>
        <text className="curve-tick" x={LEFT - 6} y={TOP + inner + 3} textAnchor="end">
          0
        </text>
        {turnout.map((t) => {
          const x = LEFT + (t.round - 1) * slot + (slot - bar) / 2
          const hp = y(t.participants)
          const hd = y(t.dropouts)
          return (
            <g key={t.round} className={`fl-bar${t.failed ? ' fl-bar-failed' : ''}`} data-testid="fl-round-bar" data-round={t.round} data-participants={t.participants} data-dropouts={t.dropouts} data-failed={t.failed}>
              <title>{tooltip(t)}</title>
              <rect className="fl-bar-slot" x={x} y={TOP} width={bar} height={inner} />
              <rect className="fl-bar-participants" x={x} y={TOP + inner - hp} width={bar} height={hp} />
              <rect className="fl-bar-dropouts" x={x} y={TOP + inner - hp - hd} width={bar} height={hd} />
            </g>
          )
        })}
        {turnout
          .filter((t) => t.round === 1 || t.round % labelEvery === 0)
          .map((t) => (
            <text key={t.round} className="curve-tick" x={LEFT + (t.round - 0.5) * slot} y={HEIGHT - 4} textAnchor="middle">
              {t.round}
            </text>
          ))}
      </svg>
    </section>
  )
}
