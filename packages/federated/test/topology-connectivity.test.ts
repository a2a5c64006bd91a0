import { describe, expect, it } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import { connectivity, edgeDelayMs } from '../src/topology/connectivity.js'
import { parseGml } from '../src/topology/gml.js'

// A line A — B — C: 2000 km then 5000 km, no capacities (C = 1e9 bit/s = 1e6 bit/ms per path).
const line = parseGml(`graph [
  node [ id 0 label "A" ] node [ id 1 label "B" ] node [ id 2 label "C" ]
  edge [ source 0 target 1 distance 2000 ]
  edge [ source 1 target 2 distance 5000 ]
]`)

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof W3aiError) return `${err.code}: ${err.message}`
    throw err
  }
  return 'no error'
}

describe('connectivity', () => {
  it('takes latency = 0.0085 ms/km × path km + 4 ms and bandwidth = C / hops in bit/ms', () => {
    const c = connectivity(line)
    expect(c.labels).toEqual(['A', 'B', 'C'])
    expect(c.hops).toEqual([
      [0, 1, 2],
      [1, 0, 1],
      [2, 1, 0],
    ])
    // A→C goes through B: 7000 km, 2 hops.
    expect(c.distanceKm[0]![2]).toBe(7000)
    expect(c.latencyMs[0]![1]).toBeCloseTo(0.0085 * 2000 + 4, 12) // 21
    expect(c.latencyMs[1]![2]).toBeCloseTo(0.0085 * 5000 + 4, 12) // 46.5
    expect(c.latencyMs[2]![0]).toBeCloseTo(0.0085 * 7000 + 4, 12) // 63.5
    expect(c.bandwidthBitsPerMs[0]![1]).toBe(1e6)
    expect(c.bandwidthBitsPerMs[0]![2]).toBe(5e5)
  })

  it('computes d(i,j) = Tc + latency + max(outdeg·M/C_up, indeg·M/C_dn, M/bandwidth) in ms', () => {
    const c = connectivity(line)
    // M = 1e6 bit: upload and download take 1e6 / 1e10 × 1e3 = 0.1 ms, one hop 1e6 / 1e6 = 1 ms.
    const options = { modelBits: 1e6, computeMs: 2 }
    expect(edgeDelayMs(c, 0, 1, 1, 1, options)).toBeCloseTo(2 + 21 + 1, 12) // 24
    expect(edgeDelayMs(c, 1, 2, 1, 1, options)).toBeCloseTo(2 + 46.5 + 1, 12) // 49.5
    expect(edgeDelayMs(c, 2, 0, 1, 1, options)).toBeCloseTo(2 + 63.5 + 2, 12) // 67.5
    // Degrees multiply the silo's upload and download delays: 20 × 0.1 ms beats the 1 ms transfer.
    expect(edgeDelayMs(c, 0, 1, 20, 1, options)).toBeCloseTo(2 + 21 + 2, 12)
    expect(edgeDelayMs(c, 0, 1, 1, 30, options)).toBeCloseTo(2 + 21 + 3, 12)
    // Slow silos: C_up = 1e8 bit/s makes one upload 10 ms.
    expect(edgeDelayMs(c, 0, 1, 1, 1, { ...options, uploadBps: 1e8 })).toBeCloseTo(2 + 21 + 10, 12)
  })

  it('uses a link capacity where the file gives one: the path bottleneck shared by its hops', () => {
    const net = parseGml(`graph [
      node [ id 0 ] node [ id 1 ] node [ id 2 ]
      edge [ source 0 target 1 distance 10 capacity 2e8 ]
      edge [ source 1 target 2 distance 10 ]
    ]`)
    const c = connectivity(net, 1e9)
    expect(c.bandwidthBitsPerMs[0]![1]).toBe(2e5)
    expect(c.bandwidthBitsPerMs[1]![2]).toBe(1e6)
    expect(c.bandwidthBitsPerMs[0]![2]).toBe(1e5) // 2e8 bit/s × 1e-3 / 2 hops
    expect(connectivity(net, 5e8).bandwidthBitsPerMs[1]![2]).toBe(5e5)
  })

  it('prefers fewer hops among paths of equal distance (0 km links between co-located sites)', () => {
    const net = parseGml(`graph [
      node [ id 0 ] node [ id 1 ] node [ id 2 ] node [ id 3 ]
      edge [ source 0 target 1 distance 0 ]
      edge [ source 1 target 2 distance 0 ]
      edge [ source 2 target 3 distance 100 ]
      edge [ source 0 target 3 distance 100 ]
    ]`)
    const c = connectivity(net)
    expect(c.distanceKm[0]![3]).toBe(100)
    expect(c.hops[0]![3]).toBe(1)
    expect(c.hops[3]![0]).toBe(1)
    expect(c.latencyMs[0]![1]).toBe(4)
  })

  it('refuses networks that cannot carry a topology', () => {
    const apart = parseGml('graph [ node [ id 0 label "X" ] node [ id 1 label "Y" ] node [ id 2 label "Z" ] edge [ source 0 target 1 distance 5 ] ]')
    expect(code(() => connectivity(apart))).toBe('FL_BAD_TOPOLOGY: Sites "X" and "Z" are not connected by any path.')
    expect(code(() => connectivity(parseGml('graph [ node [ id 0 ] ]')))).toBe('FL_BAD_TOPOLOGY: A topology needs at least 2 sites; the network has 1.')
  })

  it('refuses non-positive sizes and capacities with FL_BAD_CONFIG', () => {
    const c = connectivity(line)
    expect(code(() => edgeDelayMs(c, 0, 1, 1, 1, { modelBits: 0, computeMs: 1 }))).toMatch(/^FL_BAD_CONFIG: modelBits must be/)
    expect(code(() => edgeDelayMs(c, 0, 1, 1, 1, { modelBits: 1, computeMs: -1 }))).toMatch(/^FL_BAD_CONFIG: computeMs must be/)
    expect(code(() => edgeDelayMs(c, 0, 1, 1, 1, { modelBits: 1, computeMs: 1, uploadBps: Number.NaN }))).toMatch(/^FL_BAD_CONFIG: uploadBps must be/)
    expect(code(() => connectivity(line, -5))).toMatch(/^FL_BAD_CONFIG: linkBps must be/)
  })
})
