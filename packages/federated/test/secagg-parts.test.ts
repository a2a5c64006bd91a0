import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import { dequantizeSum, neighbourGraph, quantizationErrorBound, quantizeUpdate, resolveSecAggConfig } from '../src/index.js'

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i}`)

describe('the SecAgg+ neighbour graph', () => {
  it('gives every client k neighbours, symmetrically, the same for everyone holding the seed', () => {
    const seed = randomBytes(32)
    const graph = neighbourGraph(ids(30), 6, seed)
    expect(graph.size).toBe(30)
    for (const [id, near] of graph) {
      expect(near).toHaveLength(6)
      expect(near).not.toContain(id)
      for (const peer of near) expect(graph.get(peer)).toContain(id)
    }
    // Order of the participant list does not matter; the seed does.
    expect(neighbourGraph([...ids(30)].reverse(), 6, seed)).toEqual(graph)
    expect(neighbourGraph(ids(30), 6, randomBytes(32))).not.toEqual(graph)
  })

  it('rounds an odd degree up to even and joins everyone when k covers all others', () => {
    const seed = randomBytes(32)
    for (const near of neighbourGraph(ids(12), 5, seed).values()) expect(near).toHaveLength(6)
    for (const [id, near] of neighbourGraph(ids(7), 6, seed)) expect(near).toEqual(ids(7).filter((x) => x !== id))
    for (const [id, near] of neighbourGraph(ids(8), 20, seed)) expect(near).toEqual(ids(8).filter((x) => x !== id))
  })
})

describe('SecAgg+ quantization', () => {
  const config = resolveSecAggConfig({ roundId: 'r', clients: ids(4), tensorSizes: [5, 2], clipRange: 2, maxWeight: 100 })

  it('maps a weighted update into words below levels and back, within the error bound', () => {
    const update = [Float32Array.of(-2, -1, 0, 1.5, 2), Float32Array.of(0.125, -0.3)]
    const q = quantizeUpdate(update, 40, config)
    expect(q).toHaveLength(8)
    expect(q[7]).toBe(40)
    expect(Math.max(...q.subarray(0, 7))).toBeLessThan(config.levels)
    const { mean, totalExamples } = dequantizeSum(q, config)
    expect(totalExamples).toBe(40)
    const bound = quantizationErrorBound(config, 1, 40)
    mean.forEach((t, k) => t.forEach((x, i) => expect(Math.abs(x - (update[k] as Float32Array)[i]!)).toBeLessThanOrEqual(bound + 1e-7)))
  })

  it('sums n clients of full weight without wrapping around 2^32', () => {
    const top = [new Float32Array(5).fill(2), new Float32Array(2).fill(2)]
    const sum = new Uint32Array(8)
    for (let c = 0; c < 4; c++) quantizeUpdate(top, 100, config).forEach((w, i) => (sum[i] = (sum[i] as number) + w))
    expect(sum[0]).toBe(4 * (config.levels - 1))
    expect(Array.from(dequantizeSum(sum, config).mean[0] as Float32Array)).toEqual([2, 2, 2, 2, 2])
  })

  it('caps the example count at maxWeight and refuses unusable updates (FL_BAD_UPDATE)', () => {
    const ok = [new Float32Array(5), new Float32Array(2)]
    expect(quantizeUpdate(ok, 10_000, config)[7]).toBe(100)
    const codes = [
      () => quantizeUpdate(ok, 0, config),
      () => quantizeUpdate(ok, 2.5, config),
      () => quantizeUpdate([new Float32Array(5)], 10, config),
      () => quantizeUpdate([Float32Array.of(0, 0, Infinity, 0, 0), new Float32Array(2)], 10, config),
    ].map((fn) => {
      try {
        fn()
      } catch (err) {
        return err instanceof W3aiError ? err.code : String(err)
      }
      return undefined
    })
    expect(codes).toEqual(['FL_BAD_UPDATE', 'FL_BAD_UPDATE', 'FL_BAD_UPDATE', 'FL_BAD_UPDATE'])
  })
})
