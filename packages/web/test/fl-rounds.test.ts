import { describe, expect, it } from 'vitest'
import { actionsFor, DEFAULT_DELTA, describeConfig, latestAccuracy, privacyBudget, roundPoints, turnout } from '../src/fl/rounds.js'
import { makeRound, makeTraining } from './fl-fixtures.js'

describe('federated rounds on the dashboard', () => {
  it('plots the clients’ training metrics as the train series and the held-out evaluation as validation, in round order', () => {
    const points = roundPoints([makeRound(2), makeRound(1)])
    expect(points.map((p) => p.epoch)).toEqual([1, 2])
    expect(points[0]).toEqual({ epoch: 1, loss: 1.2, acc: expect.closeTo(0.41, 9), valLoss: 1, valAcc: expect.closeTo(0.51, 9) })
  })

  it('falls back to the headline accuracy and loss when the metrics name no phase, and skips what a failed round lacks', () => {
    const bare = makeRound(1, { metrics: {}, accuracy: 0.7, loss: 0.3 })
    const failed = makeRound(2, { status: 'failed', metrics: {}, accuracy: null, loss: null })
    expect(roundPoints([bare, failed])).toEqual([{ epoch: 1, acc: 0.7, loss: 0.3 }, { epoch: 2 }])
  })

  it('reports participants and dropouts per round, with the failure of a failed round', () => {
    const rounds = [makeRound(1), makeRound(2, { participants: 7, dropouts: 3 }), makeRound(3, { status: 'failed', participants: 2, dropouts: 8, error: { code: 'FL_SECAGG_BELOW_THRESHOLD', message: 'too few left' } })]
    expect(turnout(rounds)).toEqual([
      { round: 1, participants: 3, dropouts: 0, failed: false, error: null },
      { round: 2, participants: 7, dropouts: 3, failed: false, error: null },
      { round: 3, participants: 2, dropouts: 8, failed: true, error: 'FL_SECAGG_BELOW_THRESHOLD: too few left' },
    ])
  })

  it('measures ε spent against the owner’s target at the configured δ', () => {
    const training = makeTraining(1, {
      config: { model: {}, datasets: ['d'], rounds: 10, dp: { side: 'client', noiseMultiplier: 1, targetEpsilon: 8, delta: 1e-6 } },
      rounds: [makeRound(1, { epsilon: 1.5 }), makeRound(2, { epsilon: 2 })],
    })
    expect(privacyBudget(training)).toEqual({ spent: 2, target: 8, delta: 1e-6, fraction: 0.25, exhausted: false, perRound: [{ round: 1, epsilon: 1.5 }, { round: 2, epsilon: 2 }] })
  })

  it('says when the budget stopped training, and shows ε alone when no target is set', () => {
    const stopped = makeTraining(1, {
      status: 'failed',
      config: { model: {}, datasets: ['d'], rounds: 10, dp: { targetEpsilon: 3 } },
      rounds: [makeRound(1, { epsilon: 2.9 })],
      error: { code: 'FL_PRIVACY_BUDGET_SPENT', message: 'budget spent' },
    })
    expect(privacyBudget(stopped)).toMatchObject({ spent: 2.9, target: 3, delta: DEFAULT_DELTA, exhausted: true })
    const open = makeTraining(2, { config: { model: {}, datasets: ['d'], rounds: 10, dp: { noiseMultiplier: 1 } } })
    expect(privacyBudget(open)).toMatchObject({ spent: 0, target: null, fraction: null })
  })

  it('has no budget for a training without differential privacy', () => {
    expect(privacyBudget(makeTraining(1, { rounds: [makeRound(1)] }))).toBeNull()
  })

  it('offers stop while running and resume once stopped or failed', () => {
    expect(actionsFor('running')).toEqual({ stop: true, resume: false })
    expect(actionsFor('stopped')).toEqual({ stop: false, resume: true })
    expect(actionsFor('failed')).toEqual({ stop: false, resume: true })
    expect(actionsFor('succeeded')).toEqual({ stop: false, resume: false })
  })

  it('sums up a training for the list: latest accuracy and its setup', () => {
    expect(latestAccuracy([makeRound(1), makeRound(3, { accuracy: null }), makeRound(2)])).toBeCloseTo(0.52)
    expect(latestAccuracy([])).toBeNull()
    expect(describeConfig({ model: {}, datasets: ['d'], rounds: 3, strategy: { name: 'krum' }, secure: 'secagg+', dp: {} })).toBe('krum · secagg+ · central · dp')
  })
})
