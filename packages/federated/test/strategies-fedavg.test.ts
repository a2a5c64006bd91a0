import { describe, expect, it } from 'vitest'
import { seededRandom } from '@w3ai/util'
import { createStrategy, FedAvg, STRATEGY_NAMES, type Parameters, type TrainReply } from '../src/index.js'
import { codeOf } from './helpers.js'

const params = (...tensors: number[][]): Parameters => tensors.map((t) => Float32Array.from(t))
const reply = (clientId: string, numExamples: number, ...tensors: number[][]): TrainReply => ({ clientId, parameters: params(...tensors), numExamples, metrics: { accuracy: numExamples / 100 } })
const pool = (n: number) => ({ ids: Array.from({ length: n }, (_, i) => `c${i}`) })

describe('FedAvg', () => {
  it('averages the replies weighted by their example counts', () => {
    const s = new FedAvg()
    const current = params([0, 0], [0])
    const out = s.aggregateTrain(1, current, [reply('a', 10, [1, 2], [3]), reply('b', 30, [5, 6], [7])], 0)
    expect(Array.from(out.parameters?.[0] ?? [])).toEqual([4, 5])
    expect(Array.from(out.parameters?.[1] ?? [])).toEqual([6])
    expect(out.metrics.accuracy).toBeCloseTo((0.1 * 10 + 0.3 * 30) / 40)
  })

  it('gives the same result through linear.fromMean as through aggregateTrain (what secure aggregation calls)', () => {
    const s = new FedAvg()
    const mean = params([4, 5], [6])
    const out = s.linear.fromMean(1, params([0, 0], [0]), mean, 40, 2)
    expect(out.parameters).toEqual(mean)
  })

  it('samples max(fraction · available, minTrainClients) clients, the same ones for the same seed', () => {
    const s = createStrategy({ name: 'fedavg', fractionTrain: 0.3, minTrainClients: 2 })
    const a = s.configureTrain(3, params([1]), pool(10), seededRandom(7))
    const b = s.configureTrain(3, params([1]), pool(10), seededRandom(7))
    expect(a.map((i) => i.clientId)).toEqual(b.map((i) => i.clientId))
    expect(new Set(a.map((i) => i.clientId)).size).toBe(3)
    expect(a[0]?.config).toEqual({ round: 3 })
    expect(s.configureTrain(1, params([1]), pool(4), seededRandom(1))).toHaveLength(2)
  })

  it('refuses a round with fewer available clients than minAvailableClients (FL_NOT_ENOUGH_CLIENTS)', () => {
    const s = createStrategy({ name: 'fedavg', minAvailableClients: 5 })
    expect(codeOf(() => s.configureTrain(1, params([1]), pool(4), seededRandom(1)))).toBe('FL_NOT_ENOUGH_CLIENTS')
  })

  it('keeps the old parameters when a client failed and acceptFailures is false', () => {
    const strict = createStrategy({ name: 'fedavg', acceptFailures: false })
    const lenient = createStrategy({ name: 'fedavg' })
    const replies = [reply('a', 1, [1]), reply('b', 1, [3])]
    expect(strict.aggregateTrain(1, params([0]), replies, 1).parameters).toBeUndefined()
    expect(Array.from(lenient.aggregateTrain(1, params([0]), replies, 1).parameters?.[0] ?? [])).toEqual([2])
  })

  it('keeps the old parameters with fewer replies than minTrainReplies', () => {
    const s = createStrategy({ name: 'fedavg', minTrainReplies: 3 })
    expect(s.aggregateTrain(1, params([0]), [reply('a', 1, [1]), reply('b', 1, [3])], 0).parameters).toBeUndefined()
  })

  it('sends the trainConfig with the round number', () => {
    const s = new FedAvg({ trainConfig: (round) => ({ epochs: round < 3 ? 1 : 2 }) })
    expect(s.configureTrain(4, params([1]), pool(2), seededRandom(1))[0]?.config).toEqual({ round: 4, epochs: 2 })
  })

  it('averages evaluation losses and metrics by examples', () => {
    const s = new FedAvg()
    const m = s.aggregateEvaluate(1, [{ clientId: 'a', loss: 1, numExamples: 1, metrics: { accuracy: 0.5 } }, { clientId: 'b', loss: 3, numExamples: 3, metrics: { accuracy: 0.9 } }], 0)
    expect(m.loss).toBeCloseTo(2.5)
    expect(m.accuracy).toBeCloseTo(0.8)
  })
})

describe('createStrategy', () => {
  it('lists fedavg among its names', () => {
    expect(STRATEGY_NAMES).toContain('fedavg')
  })

  it('refuses unknown names, unknown options and values out of range with FL_BAD_CONFIG', () => {
    expect(codeOf(() => createStrategy({ name: 'fedbest' }))).toBe('FL_BAD_CONFIG')
    expect(codeOf(() => createStrategy({ name: 'fedavg', fractionFit: 0.5 }))).toBe('FL_BAD_CONFIG')
    expect(codeOf(() => createStrategy({ name: 'fedavg', fractionTrain: 1.5 }))).toBe('FL_BAD_CONFIG')
    expect(codeOf(() => createStrategy({ name: 'fedavg', minTrainClients: 0 }))).toBe('FL_BAD_CONFIG')
    expect(codeOf(() => createStrategy({ name: 'fedavg', acceptFailures: 'yes' }))).toBe('FL_BAD_CONFIG')
    expect(() => createStrategy({ name: 'fedavg', fractionTrain: 2 })).toThrow(/fractionTrain must be a number >= 0 and <= 1, got 2/)
  })
})
