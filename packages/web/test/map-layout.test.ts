import { describe, expect, it } from 'vitest'
import { project } from '../src/atlas.js'
import { placeNodes } from '../src/map-layout.js'
import { makeNode } from './fixtures.js'

describe('map marker placement', () => {
  it('puts nodes in different cities at their projected positions', () => {
    const [a, b] = [makeNode(0), makeNode(1)]
    const placed = placeNodes([a, b], project)
    const pa = project(a.location.lon, a.location.lat)!
    expect(placed.find((p) => p.node.id === a.id)).toMatchObject({ x: pa[0], y: pa[1] })
    expect(placed).toHaveLength(2)
  })

  it('fans out nodes at the same spot so none is hidden', () => {
    const same = { lat: 52.52, lon: 13.4, region: 'eu-central' }
    const nodes = [0, 1, 2, 3].map((i) => makeNode(i, { location: same }))
    const placed = placeNodes(nodes, project)
    for (const p of placed) {
      for (const q of placed) if (p !== q) expect(Math.hypot(p.x - q.x, p.y - q.y)).toBeGreaterThan(8)
    }
  })

  it('draws offline and suspect markers last, on top of healthy ones', () => {
    const placed = placeNodes([makeNode(0, { status: 'offline' }), makeNode(1), makeNode(2, { status: 'suspect' })], project)
    expect(placed.map((p) => p.node.status)).toEqual(['online', 'suspect', 'offline'])
  })

  it('keeps every projected marker inside the map frame', () => {
    const placed = placeNodes([0, 1, 2, 3, 4, 5, 6, 7].map((i) => makeNode(i)), project)
    for (const { x, y } of placed) {
      expect(x).toBeGreaterThan(0)
      expect(x).toBeLessThan(960)
      expect(y).toBeGreaterThan(0)
      expect(y).toBeLessThan(400)
    }
  })
})
