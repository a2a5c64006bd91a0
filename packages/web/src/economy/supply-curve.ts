/**
 * Geometry of the treasury and burned supply chart, for the curve panels the jobs and federated
 * pages draw with (CurvePanels): two panels side by side, tokens over time, each a step line (a
 * balance holds until the next entry moves it) carried on to `until`. Long series are thinned to
 * the last point of each of at most MAX_POINTS time slots, so the page draws a bounded number of dots.
 */
import { niceRange, type CurveLayout, type Panel, type SeriesKey } from '../jobs/curve.js'
import type { EpochPoint } from '../jobs/history.js'
import type { SupplyPoint } from './supply.js'
import { tokensNumber } from './tokens.js'

export const MAX_POINTS = 240
const MARGIN = { left: 64, right: 30, top: 22, bottom: 26 }
const GAP = 18
/** The x axis spans at least this long, so a young ledger's ticks still read as distinct times. */
const MIN_SPAN_MS = 60_000

/** A chart point: `epoch` is its index (the curve panels key dots by it), loss the treasury, acc the burned tokens. */
export interface SupplyChart {
  layout: CurveLayout
  points: EpochPoint[]
  /** The supply points behind `points`, index for index (for tooltips). */
  shown: SupplyPoint[]
}

/** At most `max` points: the last of each equal time slot between the first and the last point. */
export function thin(points: readonly SupplyPoint[], max = MAX_POINTS): SupplyPoint[] {
  if (points.length <= max) return [...points]
  const t0 = Date.parse((points[0] as SupplyPoint).at)
  const span = Math.max(1, Date.parse((points[points.length - 1] as SupplyPoint).at) - t0)
  const slots = new Map<number, SupplyPoint>()
  for (const p of points) slots.set(Math.min(max - 1, Math.floor(((Date.parse(p.at) - t0) / span) * max)), p)
  return [...slots.values()]
}

const PANELS: ReadonlyArray<{ title: string; key: SeriesKey; value: (p: SupplyPoint) => bigint }> = [
  { title: 'Treasury (tokens)', key: 'loss', value: (p) => p.treasury },
  { title: 'Burned (tokens)', key: 'acc', value: (p) => p.burned },
]

/** Lays out `series` (in seq order) in a `width` × `height` box, the x axis from the first point to `until` (ms). */
export function layoutSupply(series: readonly SupplyPoint[], width: number, height: number, until: number): SupplyChart {
  const shown = thin(series)
  const points: EpochPoint[] = shown.map((p, i) => ({ epoch: i, loss: tokensNumber(p.treasury), acc: tokensNumber(p.burned) }))
  const times = shown.map((p) => Date.parse(p.at))
  const t0 = times[0] ?? until
  const t1 = Math.max(until, times[times.length - 1] ?? until, t0 + MIN_SPAN_MS)
  const panelWidth = (width - GAP) / 2
  const panels = PANELS.map((spec, i): Panel => {
    const x0 = i * (panelWidth + GAP)
    const inner = { left: x0 + MARGIN.left, right: x0 + panelWidth - MARGIN.right, top: MARGIN.top, bottom: height - MARGIN.bottom }
    const values = shown.map((p) => tokensNumber(spec.value(p)))
    const [lo, hi] = niceRange(values)
    const sx = (t: number): number => inner.left + ((t - t0) / (t1 - t0)) * (inner.right - inner.left)
    const sy = (v: number): number => inner.bottom - ((v - lo) / (hi - lo || 1)) * (inner.bottom - inner.top)
    const pts = shown.map((p, j) => ({ epoch: j, x: sx(times[j] as number), y: sy(values[j] as number), value: values[j] as number }))
    const path = pts.length === 0 ? '' : pts.map((p, j) => (j === 0 ? `M${p.x.toFixed(1)} ${p.y.toFixed(1)}` : `H${p.x.toFixed(1)} V${p.y.toFixed(1)}`)).join(' ') + ` H${sx(t1).toFixed(1)}`
    return {
      title: spec.title,
      x: inner.left,
      y: inner.top,
      width: inner.right - inner.left,
      height: inner.bottom - inner.top,
      series: pts.length === 0 ? [] : [{ key: spec.key, label: spec.title, points: pts, path }],
      yTicks: distinct([0, 1, 2, 3, 4].map((k) => lo + ((hi - lo) * k) / 4).map((v) => ({ y: sy(v), label: compact(v) }))),
      xTicks: distinct(timeTicks(t0, t1).map((t) => ({ x: sx(t), label: timeLabel(t, t1 - t0) }))),
    }
  })
  return { layout: { width, height, panels }, points, shown }
}

/** 1.2k, 3.4M, 0.5: axis labels only. */
function compact(v: number): string {
  const a = Math.abs(v)
  if (a >= 1e9) return `${+(v / 1e9).toFixed(1)}G`
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`
  return a >= 1 || a === 0 ? `${+v.toFixed(1)}` : v.toPrecision(2)
}

/** Ticks with distinct labels (the panels key them by label). */
function distinct<T extends { label: string }>(ticks: T[]): T[] {
  const seen = new Set<string>()
  return ticks.filter((t) => !seen.has(t.label) && seen.add(t.label))
}

/** Four ticks across the span, at its ends and thirds. */
function timeTicks(t0: number, t1: number): number[] {
  return [0, 1, 2, 3].map((k) => t0 + ((t1 - t0) * k) / 3)
}

/** Clock time for spans within a day, the date beyond. */
function timeLabel(t: number, span: number): string {
  const d = new Date(t)
  return span < 86_400_000 ? d.toLocaleTimeString('en-GB', { hour12: false, hour: '2-digit', minute: '2-digit', second: span < 600_000 ? '2-digit' : undefined }) : d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })
}
