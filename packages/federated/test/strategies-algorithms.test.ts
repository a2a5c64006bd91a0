import { describe, expect, it } from 'vitest'
import { seededRandom } from '@w3ai/util'
import { Bulyan, FedAdagrad, FedAdam, FedAvg, FedAvgM, FedMedian, FedProx, FedTrimmedAvg, FedYogi, Krum, MultiKrum, QFedAvg, createStrategy, type Parameters, type TrainReply } from '../src/index.js'

const p = (...values: number[]): Parameters => [Float32Array.from(values)]
const first = (x: Parameters | undefined): number[] => Array.from(x?.[0] ?? [])
const reply = (clientId: string, values: number[], numExamples = 1, loss = 1): TrainReply => ({ clientId, parameters: p(...values), numExamples, metrics: { loss } })
const pool = { ids: ['a', 'b', 'c'] }

describe('FedAvgM', () => {
  it('with momentum 0 and rate 1 is FedAvg', () => {
    const replies = [reply('a', [1, 2], 1), reply('b', [3, 6], 3)]
    expect(first(new FedAvgM().aggregateTrain(1, p(0, 0), replies, 0).parameters)).toEqual(first(new FedAvg().aggregateTrain(1, p(0, 0), replies, 0).parameters))
  })

  it('keeps moving in the direction of past rounds (v ← μv + g, w ← w − ηv)', () => {
    const s = new FedAvgM({ serverMomentum: 0.5, serverLearningRate: 1 })
    // Round 1: g = 0 − 1 = −1, v = −1, w = 1. Round 2: clients stay at 1, g = 0, v = −0.5, w = 1.5.
    const w1 = s.aggregateTrain(1, p(0), [reply('a', [1]), reply('b', [1])], 0).parameters as Parameters
    expect(first(w1)).toEqual([1])
    expect(first(s.aggregateTrain(2, w1, [reply('a', [1]), reply('b', [1])], 0).parameters)).toEqual([1.5])
  })
})

describe('FedProx', () => {
  it('averages like FedAvg and tells clients μ in the train config', () => {
    const s = new FedProx({ proximalMu: 0.3, trainConfig: { epochs: 2 } })
    expect(s.configureTrain(1, p(0), pool, seededRandom(1))[0]?.config).toEqual({ round: 1, epochs: 2, proximalMu: 0.3 })
    expect(first(s.aggregateTrain(1, p(0), [reply('a', [1], 1), reply('b', [4], 2)], 0).parameters)).toEqual([3])
  })

  it('refuses a negative μ', () => {
    expect(() => createStrategy({ name: 'fedprox', proximalMu: -1 })).toThrow(/proximalMu/)
  })
})

describe('server optimizers', () => {
  const replies = [reply('a', [1, -2]), reply('b', [1, -2])]

  it('FedAdam steps about η per coordinate in the direction of the mean on its first round (bias corrected)', () => {
    const out = first(new FedAdam({ eta: 0.1 }).aggregateTrain(1, p(0, 0), replies, 0).parameters)
    expect(out[0]).toBeCloseTo(0.1, 5)
    expect(out[1]).toBeCloseTo(-0.1, 5)
  })

  it('FedAdagrad steps η·Δ/|Δ| first, then less as squared updates accumulate', () => {
    const s = new FedAdagrad({ eta: 0.5 })
    const w1 = s.aggregateTrain(1, p(0, 0), replies, 0).parameters as Parameters
    expect(first(w1)[0]).toBeCloseTo(0.5, 5)
    // Round 2: Δ = 0.5 on the first coordinate, v = 1 + 0.25, step 0.5·0.5/√1.25.
    const w2 = s.aggregateTrain(2, w1, [reply('a', [1, -2]), reply('b', [1, -2])], 0).parameters
    expect(first(w2)[0]).toBeCloseTo(0.5 + (0.5 * 0.5) / Math.sqrt(1.25), 5)
  })

  it('FedYogi grows v additively (v ← v + (1 − β2)Δ² while v < Δ²)', () => {
    const s = new FedYogi({ eta: 1, beta1: 0, beta2: 0.99, tau: 1e-9 })
    // v = 0.01·Δ², step = Δ/√(0.01Δ²) = 10·sign(Δ).
    expect(first(s.aggregateTrain(1, p(0, 0), replies, 0).parameters)[0]).toBeCloseTo(10, 3)
  })
})

describe('QFedAvg', () => {
  it('with q = 0 is the unweighted mean of the replies', () => {
    const out = first(new QFedAvg({ q: 0, learningRate: 0.1 }).aggregateTrain(1, p(0), [reply('a', [1], 100), reply('b', [3], 1)], 0).parameters)
    expect(out[0]).toBeCloseTo(2, 5)
  })

  it('pulls the model towards clients with a higher loss as q grows (small updates: a F^q-weighted mean)', () => {
    const replies = [reply('a', [0.001], 1, 0.1), reply('b', [0.003], 1, 2)]
    const mild = first(new QFedAvg({ q: 0.5 }).aggregateTrain(1, p(0), replies, 0).parameters)[0] as number
    const strong = first(new QFedAvg({ q: 3 }).aggregateTrain(1, p(0), replies, 0).parameters)[0] as number
    expect(mild).toBeGreaterThan(0.002)
    expect(strong).toBeGreaterThan(mild)
    expect(strong).toBeCloseTo(0.003, 4)
  })

  it('takes shorter steps for large updates (the ‖Δw‖² term of its Lipschitz estimate)', () => {
    const small = first(new QFedAvg({ q: 1 }).aggregateTrain(1, p(0), [reply('a', [0.001])], 0).parameters)[0] as number
    const large = first(new QFedAvg({ q: 1 }).aggregateTrain(1, p(0), [reply('a', [1])], 0).parameters)[0] as number
    expect(small / 0.001).toBeGreaterThan(large / 1)
  })

  it('prefers initialLoss over loss and refuses replies with neither (FL_BAD_UPDATE)', () => {
    const s = new QFedAvg({ q: 5 })
    const withInitial = [{ ...reply('a', [0.001], 1, 100), metrics: { loss: 100, initialLoss: 0.1 } }, { ...reply('b', [0.003], 1, 0.1), metrics: { loss: 0.1, initialLoss: 1 } }]
    expect(first(s.aggregateTrain(1, p(0), withInitial, 0).parameters)[0] as number).toBeGreaterThan(0.0029)
    expect(() => s.aggregateTrain(1, p(0), [{ ...reply('a', [1]), metrics: {} }], 0)).toThrow(/reports no loss/)
  })
})

describe('robust strategies under two attackers among ten', () => {
  const honest = Array.from({ length: 8 }, (_, i) => reply(`h${i}`, [1 + (i - 3.5) * 0.01, 2], 10))
  const attackers = [reply('x1', [-100, 500], 1000), reply('x2', [-90, 450], 1000)]
  const replies = [...honest, ...attackers]

  it('FedAvg is dragged off by the attackers', () => {
    expect(first(new FedAvg().aggregateTrain(1, p(0, 0), replies, 0).parameters)[0] as number).toBeLessThan(-50)
  })

  it.each([
    ['fedmedian', new FedMedian()],
    ['fedtrimmedavg', new FedTrimmedAvg({ beta: 0.2 })],
    ['krum', new Krum({ numMaliciousClients: 2 })],
    ['multikrum', new MultiKrum({ numMaliciousClients: 2 })],
    ['bulyan', new Bulyan({ numMaliciousClients: 1 })],
  ])('%s stays with the honest clients', (_name, strategy) => {
    const out = first(strategy.aggregateTrain(1, p(0, 0), replies, 0).parameters)
    expect(out[0]).toBeCloseTo(1, 1)
    expect(out[1]).toBeCloseTo(2, 1)
  })

  it('Krum and Bulyan keep the old parameters with too few replies for their f', () => {
    expect(new Krum({ numMaliciousClients: 2 }).aggregateTrain(1, p(0, 0), replies.slice(0, 6), 0).parameters).toBeUndefined()
    expect(new Bulyan({ numMaliciousClients: 2 }).aggregateTrain(1, p(0, 0), replies, 0).parameters).toBeUndefined()
  })

  it('Krum and Bulyan default their minimum clients from f', () => {
    expect(() => new Krum({ numMaliciousClients: 2 }).configureTrain(1, p(0), { ids: ['a', 'b', 'c', 'd', 'e', 'f'] }, seededRandom(1))).toThrow(/needs 7 clients/)
    expect(() => new Bulyan({ numMaliciousClients: 2 }).configureTrain(1, p(0), { ids: replies.map((r) => r.clientId) }, seededRandom(1))).toThrow(/needs 11 clients/)
  })

  it('Multi-Krum averages the kept models by examples', () => {
    const s = new MultiKrum({ numMaliciousClients: 2, numClientsToKeep: 8 })
    expect(s.aggregateTrain(1, p(0, 0), replies, 0).metrics.selected).toBe(8)
  })
})
