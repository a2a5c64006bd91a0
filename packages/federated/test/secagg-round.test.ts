import { describe, expect, it } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import { seededRandom } from '@w3ai/util'
import { quantizationErrorBound, resolveSecAggConfig, runSecAggRound, type Parameters, type SecAggStage, type SecAggUpdate } from '../src/index.js'
import { codeOf } from './helpers.js'

type Update = SecAggUpdate & { clientId: string }

/** `n` clients with two tensors of random parameters in [-1, 1) and different example counts. */
function updates(n: number, sizes: number[] = [300, 7], seed = 1): Update[] {
  const random = seededRandom(seed)
  return Array.from({ length: n }, (_, i) => ({
    clientId: `client-${String(i).padStart(2, '0')}`,
    parameters: sizes.map((size) => Float32Array.from({ length: size }, () => random() * 2 - 1)),
    numExamples: 50 + Math.floor(random() * 500),
  }))
}

/** The plaintext example-weighted mean, in float64. */
function plainMean(list: readonly Update[]): { mean: Float64Array[]; total: number } {
  const total = list.reduce((s, u) => s + u.numExamples, 0)
  const mean = (list[0] as Update).parameters.map((t) => new Float64Array(t.length))
  for (const u of list) {
    u.parameters.forEach((t, k) => {
      const m = mean[k] as Float64Array
      t.forEach((x, i) => (m[i] = (m[i] as number) + (x * u.numExamples) / total))
    })
  }
  return { mean, total }
}

function maxDifference(a: Parameters, b: Float64Array[]): number {
  let max = 0
  a.forEach((t, k) => t.forEach((x, i) => (max = Math.max(max, Math.abs(x - ((b[k] as Float64Array)[i] as number))))))
  return max
}

/** Asserts the round's mean matches the plaintext mean of `survivors` within the quantization bound. */
function expectMeanOf(result: { mean: Parameters; totalExamples: number; clients: string[] }, survivors: Update[], options: { clipRange?: number; maxWeight?: number; levels?: number; n: number }): void {
  const { mean, total } = plainMean(survivors)
  expect(result.clients).toEqual(survivors.map((u) => u.clientId))
  expect(result.totalExamples).toBe(total)
  const config = resolveSecAggConfig({ roundId: 'r', clients: Array.from({ length: options.n }, (_, i) => `c${i}`), tensorSizes: mean.map((t) => t.length), ...options })
  // Quantization, plus one float32 rounding of values below 1 in magnitude.
  const bound = quantizationErrorBound(config, survivors.length, total) + 2 ** -24
  expect(maxDifference(result.mean, mean)).toBeLessThanOrEqual(bound)
}

describe('a SecAgg+ round', () => {
  it('yields the example-weighted mean of the updates within the quantization error', () => {
    const list = updates(10)
    const { result } = runSecAggRound({ roundId: 'round-1', updates: list })
    expect(result.roundId).toBe('round-1')
    expect(result.dropped).toEqual([])
    expect(result.mean.map((t) => t.length)).toEqual([300, 7])
    expectMeanOf(result, list, { n: 10 })
  })

  it('gives the same mean with the masked vectors sent as bytes (a binary transport) as through JSON', () => {
    const list = updates(7, [301, 5])
    const lengths: number[] = []
    const binary = runSecAggRound({ roundId: 'r', updates: list, dropAt: { 'client-03': 'collect-masked-vectors' }, wire: 'binary', onServerMessage: (m, length) => (m as { stage: string }).stage === 'collect-masked-vectors' && lengths.push(length) })
    const json = runSecAggRound({ roundId: 'r', updates: list, dropAt: { 'client-03': 'collect-masked-vectors' } })
    expect(binary.result.clients).toEqual(json.result.clients)
    expect(binary.result.mean).toEqual(json.result.mean)
    expectMeanOf(binary.result, list.filter((u) => u.clientId !== 'client-03'), { n: 7 })
    // The words (306 of them) and a small header, not 4/3 of the words in base64.
    for (const length of lengths) expect(length).toBeLessThan(306 * 4 + 200)
  })

  it('is precise to about float32 resolution when maxWeight fits the largest client', () => {
    const list = updates(10)
    const { result } = runSecAggRound({ roundId: 'r', updates: list, maxWeight: 600 })
    expectMeanOf(result, list, { n: 10, maxWeight: 600 })
    expect(quantizationErrorBound(resolveSecAggConfig({ roundId: 'r', clients: list.map((u) => u.clientId), tensorSizes: [1], maxWeight: 600 }), 10, 1000)).toBeLessThan(2e-7)
  })

  it('clips parameters to [-clipRange, clipRange] before averaging', () => {
    const list = updates(4, [3])
    for (const u of list) u.parameters = [Float32Array.of(5, -5, 0.5)]
    const { result } = runSecAggRound({ roundId: 'r', updates: list, clipRange: 2 })
    const [a, b, c] = result.mean[0] as Float32Array
    expect([a, b]).toEqual([expect.closeTo(2, 5), expect.closeTo(-2, 5)])
    expect(c).toBeCloseTo(0.5, 5)
  })

  it('completes when 3 of 10 clients drop after sharing keys: the mean is over the 7 survivors', () => {
    const list = updates(10)
    const gone = ['client-01', 'client-04', 'client-07']
    const dropAt = Object.fromEntries(gone.map((id) => [id, 'collect-masked-vectors' as SecAggStage]))
    const { result } = runSecAggRound({ roundId: 'r', updates: list, dropAt })
    expect(result.dropped).toEqual(gone)
    expectMeanOf(result, list.filter((u) => !gone.includes(u.clientId)), { n: 10 })
  })

  it('completes with dropouts at every stage: before keys, before sharing, and during unmasking', () => {
    const list = updates(10)
    const dropAt: Record<string, SecAggStage> = { 'client-00': 'setup', 'client-03': 'share-keys', 'client-05': 'unmask', 'client-09': 'unmask' }
    const { result } = runSecAggRound({ roundId: 'r', updates: list, dropAt })
    // A client silent only in the unmask stage had already sent its vector: it stays in the mean.
    expect(result.dropped).toEqual(['client-00', 'client-03'])
    expectMeanOf(result, list.filter((u) => !['client-00', 'client-03'].includes(u.clientId)), { n: 10 })
  })

  it('survives dropouts down to the threshold, and fails cleanly with FL_SECAGG_BELOW_THRESHOLD below it', () => {
    const list = updates(10)
    const config = resolveSecAggConfig({ roundId: 'r', clients: list.map((u) => u.clientId), tensorSizes: [300, 7] })
    expect(config.threshold).toBe(6)
    const drop = (count: number): Record<string, SecAggStage> => Object.fromEntries(list.slice(0, count).map((u) => [u.clientId, 'collect-masked-vectors' as SecAggStage]))
    const { result } = runSecAggRound({ roundId: 'r', updates: list, dropAt: drop(4) })
    expect(result.clients).toHaveLength(6)
    let error: unknown
    try {
      runSecAggRound({ roundId: 'r', updates: list, dropAt: drop(5) })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(W3aiError)
    expect((error as W3aiError).code).toBe('FL_SECAGG_BELOW_THRESHOLD')
    expect((error as W3aiError).details).toMatchObject({ stage: 'collect-masked-vectors', count: 5, threshold: 6 })
    expect(codeOf(() => runSecAggRound({ roundId: 'r', updates: list, dropAt: Object.fromEntries(list.slice(0, 5).map((u) => [u.clientId, 'setup'])) }))).toBe('FL_SECAGG_BELOW_THRESHOLD')
  })

  it('masks over a sparse neighbour graph: 24 clients with 6 neighbours each, 5 dropping', () => {
    const list = updates(24, [200])
    const gone = list.filter((_, i) => i % 5 === 2).map((u) => u.clientId)
    const dropAt = Object.fromEntries(gone.map((id) => [id, 'collect-masked-vectors' as SecAggStage]))
    // A fixed graph seed: with a random one, a client may now and then have 3 of its 6 neighbours
    // among the dropped, below the threshold of 4 (the round then fails, as SecAgg+ should).
    const { result } = runSecAggRound({ roundId: 'r', updates: list, neighbours: 6, threshold: 4, dropAt, randomBytes: (n) => new Uint8Array(n).fill(7) })
    expect(result.dropped).toEqual(gone)
    expectMeanOf(result, list.filter((u) => !gone.includes(u.clientId)), { n: 24 })
  })

  it('refuses configurations that would leak or overflow, naming the field (FL_BAD_CONFIG)', () => {
    const base = { roundId: 'r', clients: ['a', 'b', 'c', 'd', 'e'], tensorSizes: [10] }
    const fieldOf = (options: object): unknown => {
      try {
        resolveSecAggConfig({ ...base, ...options })
      } catch (err) {
        return err instanceof W3aiError ? [err.code, (err.details as { field: string }).field] : err
      }
      return undefined
    }
    expect(fieldOf({ threshold: 2 })).toEqual(['FL_BAD_CONFIG', 'threshold'])
    expect(fieldOf({ threshold: 6 })).toEqual(['FL_BAD_CONFIG', 'threshold'])
    expect(fieldOf({ clients: ['a'] })).toEqual(['FL_BAD_CONFIG', 'clients'])
    expect(fieldOf({ clients: ['a', 'a', 'b'] })).toEqual(['FL_BAD_CONFIG', 'clients'])
    expect(fieldOf({ levels: 2 ** 31 })).toEqual(['FL_BAD_CONFIG', 'levels'])
    expect(fieldOf({ maxWeight: 2 ** 30 })).toEqual(['FL_BAD_CONFIG', 'maxWeight'])
    expect(fieldOf({ clipRange: 0 })).toEqual(['FL_BAD_CONFIG', 'clipRange'])
    expect(fieldOf({ tensorSizes: [] })).toEqual(['FL_BAD_CONFIG', 'tensorSizes'])
    expect(fieldOf({ roundId: '' })).toEqual(['FL_BAD_CONFIG', 'roundId'])
    expect(fieldOf({})).toBeUndefined()
  })

  it('refuses an update that does not fit the round (FL_BAD_UPDATE): the client counts as dropped', () => {
    const list = updates(8, [20])
    const bad = list[2] as Update
    bad.parameters = [new Float32Array(20).fill(Number.NaN)]
    const report = runSecAggRound({ roundId: 'r', updates: list })
    expect(report.refusals).toEqual({ [bad.clientId]: 'FL_BAD_UPDATE' })
    expect(report.result.dropped).toEqual([bad.clientId])
    expectMeanOf(report.result, list.filter((u) => u !== bad), { n: 8 })
  })
})
