import { describe, expect, it } from 'vitest'
import { layoutCurve, niceRange } from '../src/jobs/curve.js'

describe('training curve layout', () => {
  const points = [1, 2, 3, 4].map((epoch) => ({ epoch, loss: 2 / epoch, acc: epoch / 5, valLoss: 2.2 / epoch, valAcc: epoch / 6 }))

  it('plots loss and accuracy panels with train and validation series, one point per epoch', () => {
    const layout = layoutCurve(points, 640, 220)
    expect(layout.panels.map((p) => p.title)).toEqual(['Loss', 'Accuracy'])
    for (const panel of layout.panels) {
      expect(panel.series.map((s) => s.points.length)).toEqual([4, 4])
      const xs = panel.series[0]!.points.map((p) => p.x)
      expect(xs[0]).toBeCloseTo(panel.x)
      expect(xs[3]).toBeCloseTo(panel.x + panel.width)
    }
    const loss = layout.panels[0]!.series[0]!.points
    expect(loss[0]!.y).toBeLessThan(loss[3]!.y) // higher loss is drawn higher up
    expect(layout.panels[1]!.yTicks.map((t) => t.label)).toEqual(['0%', '25%', '50%', '75%', '100%'])
  })

  it('leaves out series the run did not report and copes with a single epoch', () => {
    const layout = layoutCurve([{ epoch: 1, loss: 0.5 }], 640, 220)
    expect(layout.panels[0]!.series.map((s) => s.key)).toEqual(['loss'])
    expect(layout.panels[1]!.series).toEqual([])
    expect(Number.isFinite(layout.panels[0]!.series[0]!.points[0]!.x)).toBe(true)
  })

  it('rounds the loss axis to nice numbers from zero', () => {
    expect(niceRange([0.13, 1.96])).toEqual([0, 2])
    expect(niceRange([])).toEqual([0, 1])
  })
})
