/**
 * Geometry of the training curve: two panels side by side (loss, accuracy), each with train and
 * validation series over epochs. Pure, so the scales are unit-tested without a browser.
 */
import type { EpochPoint } from './history.js'

export type SeriesKey = 'loss' | 'valLoss' | 'acc' | 'valAcc'

export interface Panel {
  title: string
  x: number
  y: number
  width: number
  height: number
  series: Array<{ key: SeriesKey; label: string; path: string; points: Array<{ epoch: number; x: number; y: number; value: number }> }>
  yTicks: Array<{ y: number; label: string }>
  xTicks: Array<{ x: number; label: string }>
}

export interface CurveLayout {
  width: number
  height: number
  panels: Panel[]
}

const PANELS: ReadonlyArray<{ title: string; keys: ReadonlyArray<{ key: SeriesKey; label: string }>; share: boolean }> = [
  { title: 'Loss', keys: [{ key: 'loss', label: 'train' }, { key: 'valLoss', label: 'validation' }], share: false },
  { title: 'Accuracy', keys: [{ key: 'acc', label: 'train' }, { key: 'valAcc', label: 'validation' }], share: true },
]

const MARGIN = { left: 44, right: 14, top: 22, bottom: 26 }
const GAP = 18

/** Lays out `points` (sorted by epoch) in a `width` × `height` box; `totalEpochs` fixes the x axis. */
export function layoutCurve(points: readonly EpochPoint[], width: number, height: number, totalEpochs?: number): CurveLayout {
  const panelWidth = (width - GAP) / 2
  const lastEpoch = Math.max(totalEpochs ?? 0, ...points.map((p) => p.epoch), 1)
  const firstEpoch = Math.min(1, ...points.map((p) => p.epoch))
  const panels = PANELS.map((spec, i): Panel => {
    const x0 = i * (panelWidth + GAP)
    const inner = { left: x0 + MARGIN.left, right: x0 + panelWidth - MARGIN.right, top: MARGIN.top, bottom: height - MARGIN.bottom }
    const values = points.flatMap((p) => spec.keys.map(({ key }) => p[key]).filter((v): v is number => v !== undefined))
    // Accuracy is a share: a fixed 0..1 axis reads the same from run to run.
    const [lo, hi] = spec.share ? [0, 1] : niceRange(values)
    const sx = (epoch: number): number => (lastEpoch === firstEpoch ? (inner.left + inner.right) / 2 : inner.left + ((epoch - firstEpoch) / (lastEpoch - firstEpoch)) * (inner.right - inner.left))
    const sy = (v: number): number => inner.bottom - ((v - lo) / (hi - lo || 1)) * (inner.bottom - inner.top)
    const series = spec.keys
      .map(({ key, label }) => {
        const pts = points.filter((p) => p[key] !== undefined).map((p) => ({ epoch: p.epoch, x: sx(p.epoch), y: sy(p[key] as number), value: p[key] as number }))
        return { key, label, points: pts, path: pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ') }
      })
      .filter((s) => s.points.length > 0)
    return {
      title: spec.title,
      x: inner.left,
      y: inner.top,
      width: inner.right - inner.left,
      height: inner.bottom - inner.top,
      series,
      yTicks: ticks(lo, hi, 4).map((v) => ({ y: sy(v), label: spec.share ? `${Math.round(v * 100)}%` : formatTick(v) })),
      xTicks: epochTicks(firstEpoch, lastEpoch).map((e) => ({ x: sx(e), label: String(e) })),
    }
  })
  return { width, height, panels }
}

/** A range that starts at zero when the data is positive and ends on a round number. */
export function niceRange(values: readonly number[]): [number, number] {
  if (values.length === 0) return [0, 1]
  const min = Math.min(0, ...values)
  const max = Math.max(...values)
  if (max <= min) return [min, min + 1]
  const step = niceStep((max - min) / 4)
  return [Math.floor(min / step) * step, Math.ceil(max / step) * step]
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw))
  const f = raw / power
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power
}

function ticks(lo: number, hi: number, count: number): number[] {
  const step = (hi - lo) / count
  return Array.from({ length: count + 1 }, (_, i) => lo + i * step)
}

/** At most about eight epoch labels, on whole epochs. */
function epochTicks(first: number, last: number): number[] {
  const step = Math.max(1, Math.ceil((last - first + 1) / 8))
  const out: number[] = []
  for (let e = first; e <= last; e += step) out.push(e)
  return out
}

function formatTick(v: number): string {
  return Math.abs(v) >= 10 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(2)
}
