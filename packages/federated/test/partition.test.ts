import { describe, expect, it } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import { seededRandom } from '@w3ai/util'
import { dirichlet, gamma, labelHistogram, partitionRows, type PartitionOptions } from '../src/index.js'

/** 2,000 rows over 10 balanced classes. */
const labels = Array.from({ length: 2000 }, (_, i) => i % 10)

function expectCover(parts: number[][], rows: number): void {
  const all = parts.flat().sort((a, b) => a - b)
  expect(all).toEqual(Array.from({ length: rows }, (_, i) => i))
}

/** Mean over clients of the share of their rows in their most common class. */
function dominance(parts: number[][]): number {
  return parts.reduce((sum, p) => sum + Math.max(...Object.values(labelHistogram(labels, p))) / p.length, 0) / parts.length
}

function codeOf(options: PartitionOptions, rows = labels): string | undefined {
  try {
    partitionRows(rows, options)
  } catch (err) {
    return err instanceof W3aiError ? err.code : String(err)
  }
  return undefined
}

describe('partitionRows', () => {
  it('IID: every row to exactly one client, sizes within one of each other, the same for the same seed', () => {
    const parts = partitionRows(labels, { clients: 7, scheme: { kind: 'iid' }, seed: 3 })
    expectCover(parts, labels.length)
    const sizes = parts.map((p) => p.length)
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
    expect(partitionRows(labels, { clients: 7, scheme: { kind: 'iid' }, seed: 3 })).toEqual(parts)
    expect(partitionRows(labels, { clients: 7, scheme: { kind: 'iid' }, seed: 4 })).not.toEqual(parts)
    expect(dominance(parts)).toBeLessThan(0.2)
  })

  it('Dirichlet: covers every row once, reproducibly, with at least minRows per client', () => {
    const options: PartitionOptions = { clients: 10, scheme: { kind: 'dirichlet', alpha: 0.5 }, seed: 1, minRows: 20 }
    const parts = partitionRows(labels, options)
    expectCover(parts, labels.length)
    expect(Math.min(...parts.map((p) => p.length))).toBeGreaterThanOrEqual(20)
    expect(partitionRows(labels, options)).toEqual(parts)
  })

  it('Dirichlet: a small alpha skews labels, a large one approaches IID', () => {
    const skewed = dominance(partitionRows(labels, { clients: 10, scheme: { kind: 'dirichlet', alpha: 0.1 }, seed: 2 }))
    const mild = dominance(partitionRows(labels, { clients: 10, scheme: { kind: 'dirichlet', alpha: 0.5 }, seed: 2 }))
    const flat = dominance(partitionRows(labels, { clients: 10, scheme: { kind: 'dirichlet', alpha: 1000 }, seed: 2 }))
    expect(skewed).toBeGreaterThan(mild)
    expect(mild).toBeGreaterThan(flat)
    expect(flat).toBeLessThan(0.15)
    expect(skewed).toBeGreaterThan(0.5)
  })

  it('keeps the minimum even when alpha is so small that whole classes land on one client', () => {
    const parts = partitionRows(labels, { clients: 20, scheme: { kind: 'dirichlet', alpha: 0.001 }, seed: 5, minRows: 30 })
    expectCover(parts, labels.length)
    expect(Math.min(...parts.map((p) => p.length))).toBeGreaterThanOrEqual(30)
  })

  it('refuses fewer than two clients, alpha <= 0 and too few rows with FL_BAD_CONFIG', () => {
    expect(codeOf({ clients: 1, scheme: { kind: 'iid' } })).toBe('FL_BAD_CONFIG')
    expect(codeOf({ clients: 5, scheme: { kind: 'dirichlet', alpha: 0 } })).toBe('FL_BAD_CONFIG')
    expect(codeOf({ clients: 5, scheme: { kind: 'dirichlet', alpha: -1 } })).toBe('FL_BAD_CONFIG')
    expect(codeOf({ clients: 5, scheme: { kind: 'iid' }, minRows: 10 }, labels.slice(0, 49))).toBe('FL_BAD_CONFIG')
    expect(codeOf({ clients: 5, scheme: { kind: 'iid' } }, labels.slice(0, 4))).toBe('FL_BAD_CONFIG')
  })

  it('partitions string labels too, and histograms them in sorted order', () => {
    const names = labels.map((l) => ['cat', 'dog', 'eel'][l % 3] as string)
    const parts = partitionRows(names, { clients: 3, scheme: { kind: 'dirichlet', alpha: 1 }, seed: 1 })
    expectCover(parts, names.length)
    expect(Object.keys(labelHistogram(names, parts.flat()))).toEqual(['cat', 'dog', 'eel'])
    expect(Object.keys(labelHistogram(labels, parts.flat()))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
  })
})

describe('Gamma and Dirichlet draws', () => {
  it('gamma(k) has mean k, for shapes below and above one', () => {
    for (const shape of [0.3, 1, 4.5]) {
      const random = seededRandom(7)
      let sum = 0
      for (let i = 0; i < 20_000; i++) sum += gamma(shape, random)
      // Standard error √(k/20000): within 5 of them.
      expect(Math.abs(sum / 20_000 - shape)).toBeLessThan(5 * Math.sqrt(shape / 20_000))
    }
  })

  it('dirichlet draws sum to one', () => {
    const random = seededRandom(8)
    for (const alpha of [0.01, 0.5, 10]) expect(dirichlet(6, alpha, random).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
  })
})
