import { describe, expect, it } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import { normal, seededRandom } from '@w3ai/util'
import { clipUpdate, createStrategy, isCheckpointable, l2Norm, normBit, updateNoiseMultiplier, withDifferentialPrivacy, type Parameters, type TrainReply } from '../src/index.js'
import { codeOf } from './helpers.js'

const seededNormal = (seed: number) => {
  const random = seededRandom(seed)
  return () => normal(random)
}
const zeros = (n: number): Parameters => [new Float32Array(n)]
const reply = (clientId: string, values: number[] | Float32Array, numExamples = 1, metrics: Record<string, number> = {}): TrainReply => ({ clientId, parameters: [Float32Array.from(values)], numExamples, metrics })
const pool = (n: number) => ({ ids: Array.from({ length: n }, (_, i) => `c${i}`) })
const fedavg = () => createStrategy({ name: 'fedavg' })

describe('DP wrappers: configuration', () => {
  it('refuses non-linear strategies, bad noise, missing norms and unknown fields (FL_BAD_CONFIG)', () => {
    expect(codeOf(() => withDifferentialPrivacy(createStrategy({ name: 'krum' }), { noiseMultiplier: 1, clippingNorm: 1 }))).toBe('FL_BAD_CONFIG')
    expect(codeOf(() => withDifferentialPrivacy(fedavg(), { noiseMultiplier: -1, clippingNorm: 1 }))).toBe('FL_BAD_CONFIG')
    expect(codeOf(() => withDifferentialPrivacy(fedavg(), { noiseMultiplier: 1 }))).toBe('FL_BAD_CONFIG')
    expect(codeOf(() => withDifferentialPrivacy(fedavg(), { noiseMultiplier: 1, clipping: 'adaptive' }))).toBe('FL_BAD_CONFIG')
    expect(codeOf(() => withDifferentialPrivacy(fedavg(), { noiseMultiplier: 1, clippingNorm: 1, epsilon: 3 } as never))).toBe('FL_BAD_CONFIG')
    expect(codeOf(() => withDifferentialPrivacy(fedavg(), { noiseMultiplier: 1, clippingNorm: 1, targetEpsilon: 0 }))).toBe('FL_BAD_CONFIG')
    // σ_b = 10/20 = 0.5 cannot hide the count for z = 2 (needs σ_b > z/2).
    expect(() => withDifferentialPrivacy(fedavg(), { noiseMultiplier: 2, clipping: 'adaptive', numSampledClients: 10 })).toThrow(/too small for noiseMultiplier/)
  })

  it('names itself after the strategy it wraps', () => {
    expect(withDifferentialPrivacy(fedavg(), { noiseMultiplier: 1, clippingNorm: 1 }).name).toBe('dp-server-fixed(fedavg)')
    expect(withDifferentialPrivacy(fedavg(), { side: 'client', clipping: 'adaptive', noiseMultiplier: 1, numSampledClients: 100 }).name).toBe('dp-client-adaptive(fedavg)')
  })
})

describe('server-side fixed clipping', () => {
  it('without noise, averages the clipped updates unweighted: one huge update moves the model by at most C/m', () => {
    const s = withDifferentialPrivacy(fedavg(), { noiseMultiplier: 0, clippingNorm: 1 })
    const out = s.aggregateTrain(1, zeros(2), [reply('a', [0.3, 0.4], 1), reply('b', [0, 0], 1), reply('c', [3000, -4000], 1_000_000), reply('d', [0, 0], 1)], 0)
    const [x, y] = Array.from(out.parameters?.[0] ?? [])
    expect(x).toBeCloseTo((0.3 + 0.6) / 4, 6)
    expect(y).toBeCloseTo((0.4 - 0.8) / 4, 6)
  })

  it('adds Gaussian noise with stddev z·C/m to every coordinate', () => {
    const n = 20_000
    const s = withDifferentialPrivacy(fedavg(), { noiseMultiplier: 2, clippingNorm: 0.5, normal: seededNormal(1) })
    const replies = Array.from({ length: 5 }, (_, i) => reply(`c${i}`, new Float32Array(n)))
    const noise = Array.from(s.aggregateTrain(1, zeros(n), replies, 0).parameters?.[0] ?? [])
    const mean = noise.reduce((a, b) => a + b, 0) / n
    const std = Math.sqrt(noise.reduce((a, b) => a + (b - mean) ** 2, 0) / n)
    // Expected 2·0.5/5 = 0.2; with 20,000 draws the sample stddev is within 2% at 4 standard errors.
    expect(Math.abs(std - 0.2) / 0.2).toBeLessThan(0.02)
    expect(Math.abs(mean)).toBeLessThan(0.01)
  })

  it('is reproducible with a seeded noise source', () => {
    const run = () => withDifferentialPrivacy(fedavg(), { noiseMultiplier: 1, clippingNorm: 1, normal: seededNormal(9) }).aggregateTrain(1, zeros(3), [reply('a', [1, 2, 3]), reply('b', [0, 1, 0])], 0).parameters
    expect(run()).toEqual(run())
  })

  it('reports ε after each round, accounting the sampling rate of configureTrain', () => {
    const sampled = withDifferentialPrivacy(createStrategy({ name: 'fedavg', fractionTrain: 0.1 }), { noiseMultiplier: 1, clippingNorm: 1, normal: seededNormal(2) })
    const everyone = withDifferentialPrivacy(fedavg(), { noiseMultiplier: 1, clippingNorm: 1, normal: seededNormal(2) })
    const eps = (s: typeof sampled) => {
      const ids = s.configureTrain(1, zeros(1), pool(100), seededRandom(1)).map((i) => i.clientId)
      return s.aggregateTrain(1, zeros(1), ids.map((id) => reply(id, [0.1])), 0).metrics.epsilon as number
    }
    const small = eps(sampled)
    const large = eps(everyone)
    expect(small).toBeGreaterThan(0)
    expect(small).toBeLessThan(large)
    expect(sampled.spent()).toBe(small)
  })

  it('stops with FL_PRIVACY_BUDGET_SPENT before the round that would exceed targetEpsilon', () => {
    const s = withDifferentialPrivacy(createStrategy({ name: 'fedavg', fractionTrain: 0.2 }), { noiseMultiplier: 1.5, clippingNorm: 1, targetEpsilon: 3, normal: seededNormal(3) })
    let current = zeros(2)
    let rounds = 0
    for (let round = 1; round <= 500; round++) {
      let ids: string[]
      try {
        ids = s.configureTrain(round, current, pool(50), seededRandom(round)).map((i) => i.clientId)
      } catch (err) {
        expect((err as W3aiError).code).toBe('FL_PRIVACY_BUDGET_SPENT')
        expect((err as W3aiError).details).toMatchObject({ targetEpsilon: 3 })
        break
      }
      current = s.aggregateTrain(round, current, ids.map((id) => reply(id, [0.01, 0.02])), 0).parameters ?? current
      rounds++
    }
    expect(rounds).toBeGreaterThan(5)
    expect(rounds).toBeLessThan(500)
    expect(s.spent()).toBeLessThanOrEqual(3)
    expect(s.wouldExceed()).toBe(true)
  })

  it('keeps the old parameters and spends nothing when the inner strategy refuses the round', () => {
    const s = withDifferentialPrivacy(createStrategy({ name: 'fedavg', acceptFailures: false }), { noiseMultiplier: 1, clippingNorm: 1 })
    expect(s.aggregateTrain(1, zeros(1), [reply('a', [1])], 1).parameters).toBeUndefined()
    expect(s.aggregateTrain(1, zeros(1), [], 0).parameters).toBeUndefined()
    expect(s.spent()).toBe(0)
  })

  it('lets a server optimizer post-process the noised mean (FedAdam inside)', () => {
    const s = withDifferentialPrivacy(createStrategy({ name: 'fedadam', eta: 0.1 }), { noiseMultiplier: 0, clippingNorm: 10 })
    expect(s.aggregateTrain(1, zeros(1), [reply('a', [1]), reply('b', [1])], 0).parameters?.[0]?.[0]).toBeCloseTo(0.1, 5)
  })
})

describe('client-side fixed clipping', () => {
  it('tells clients the clipping norm, and clipUpdate keeps their update within it', () => {
    const s = withDifferentialPrivacy(createStrategy({ name: 'fedprox', proximalMu: 0.1 }), { side: 'client', noiseMultiplier: 1, clippingNorm: 0.5 })
    expect(s.configureTrain(2, zeros(1), pool(3), seededRandom(1))[0]?.config).toEqual({ round: 2, proximalMu: 0.1, clippingNorm: 0.5 })
    const received: Parameters = [Float32Array.from([1, 1])]
    const { parameters, norm } = clipUpdate(received, [Float32Array.from([4, 5])], 0.5)
    expect(norm).toBeCloseTo(5, 6)
    expect(l2Norm([Float32Array.from(parameters[0] as Float32Array, (v) => v - 1)])).toBeCloseTo(0.5, 5)
    expect(normBit(received, [Float32Array.from([1.1, 1])], 0.5)).toBe(1)
  })

  it('is linear: secure aggregation hands it the mean, it adds noise z·C/m and charges the round', () => {
    const s = withDifferentialPrivacy(fedavg(), { side: 'client', noiseMultiplier: 1, clippingNorm: 1, normal: seededNormal(4) })
    expect(s.linear).toBeDefined()
    const n = 20_000
    const out = s.linear?.fromMean(1, zeros(n), zeros(n), 10, 10)
    const values = Array.from(out?.parameters?.[0] ?? [])
    const std = Math.sqrt(values.reduce((a, b) => a + b * b, 0) / n)
    expect(Math.abs(std - 0.1) / 0.1).toBeLessThan(0.02)
    expect(out?.metrics.epsilon).toBeGreaterThan(0)
  })
})

describe('checkpoints', () => {
  const replies = [reply('a', [1, 2, 3]), reply('b', [0.5, 0.1, 0])]
  /** Three rounds of adaptive clipping around FedAdam, then a copy restored from the JSON checkpoint. */
  function resume(noiseMultiplier: number) {
    const make = () => withDifferentialPrivacy(createStrategy({ name: 'fedadam' }), { clipping: 'adaptive', noiseMultiplier, clippedCountStddev: noiseMultiplier === 0 ? 0 : 5, initialClippingNorm: 0.2, normal: seededNormal(6) })
    const original = make()
    let current = zeros(3)
    for (let round = 1; round <= 3; round++) {
      original.configureTrain(round, current, pool(10), seededRandom(round))
      current = original.aggregateTrain(round, current, replies, 0).parameters ?? current
    }
    const resumed = make()
    resumed.restore(JSON.parse(JSON.stringify(original.checkpoint())))
    return { original, resumed, current }
  }

  it('a restored wrapper has spent the same ε and clips at the same norm', () => {
    const { original, resumed } = resume(1)
    expect(resumed.spent()).toBeGreaterThan(0)
    expect(resumed.spent()).toBe(original.spent())
    expect(resumed.clippingNorm).toBe(original.clippingNorm)
  })

  it('a restored wrapper continues with the inner optimizer state (noise off, so rounds compare exactly)', () => {
    const { original, resumed, current } = resume(0)
    const next = (s: typeof original) => Array.from(s.aggregateTrain(4, current, replies, 0).parameters?.[0] ?? [])
    expect(next(resumed)).toEqual(next(original))
  })

  it('refuses a checkpoint that does not fit (FL_BAD_CONFIG)', () => {
    const s = withDifferentialPrivacy(fedavg(), { noiseMultiplier: 1, clippingNorm: 1 })
    expect(codeOf(() => s.restore({ q: 0.5 }))).toBe('FL_BAD_CONFIG')
    expect(codeOf(() => s.restore({ q: 0.5, accountant: { orders: [2, 3], rdp: [0, 0], steps: 1 } }))).toBe('FL_BAD_CONFIG')
    const adam = createStrategy({ name: 'fedadam' })
    expect(codeOf(() => isCheckpointable(adam) && adam.restore({ steps: -1 }))).toBe('FL_BAD_CONFIG')
  })
})

describe('adaptive clipping', () => {
  it('server-side: the clipping norm settles near the median update norm', () => {
    const s = withDifferentialPrivacy(fedavg(), { clipping: 'adaptive', noiseMultiplier: 0, initialClippingNorm: 0.1, clippedCountStddev: 0, normal: seededNormal(5) })
    const current = zeros(2)
    const norms = [0.5, 0.8, 1, 1.2, 3]
    for (let round = 1; round <= 60; round++) s.aggregateTrain(round, current, norms.map((r, i) => reply(`c${i}`, [r, 0])), 0)
    expect(s.clippingNorm).toBeGreaterThan(0.8)
    expect(s.clippingNorm).toBeLessThan(1.2)
  })

  it('client-side: sends the current norm, moves it by the reported norm bits, and refuses replies without one', () => {
    const s = withDifferentialPrivacy(fedavg(), { side: 'client', clipping: 'adaptive', noiseMultiplier: 0, initialClippingNorm: 1, clippedCountStddev: 0 })
    expect(s.configureTrain(1, zeros(1), pool(2), seededRandom(1))[0]?.config.clippingNorm).toBe(1)
    s.aggregateTrain(1, zeros(1), [reply('a', [0.1], 1, { normBit: 1 }), reply('b', [0.1], 1, { normBit: 1 })], 0)
    // Every update was within C: C shrinks by e^(−0.2·(1 − 0.5)).
    expect(s.configureTrain(2, zeros(1), pool(2), seededRandom(1))[0]?.config.clippingNorm).toBeCloseTo(Math.exp(-0.1), 10)
    expect(codeOf(() => s.aggregateTrain(2, zeros(1), [reply('a', [0.1])], 0))).toBe('FL_BAD_UPDATE')
  })

  it('splits the noise so that count and update together have multiplier z', () => {
    const z = 1
    const sigmaB = 5
    const zDelta = updateNoiseMultiplier(z, sigmaB) as number
    expect(zDelta ** -2 + (2 * sigmaB) ** -2).toBeCloseTo(z ** -2, 12)
    expect(updateNoiseMultiplier(2, 0.5)).toBeUndefined()
  })
})
