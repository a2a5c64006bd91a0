import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { normal, seededRandom } from '@w3ai/util'
import { createStrategy, evaluate, initParameters, l2Norm, partitionRows, runSimulation, sgdStep, subset, subtract, toLayers, toParameters, trainLocally, trainTestSplit, numericCsv, withDifferentialPrivacy, type LabelledData, type ModelSpec } from '../src/index.js'

/** The repo's digits (1,797 8×8 images, pixels 0..16 scaled to [0, 1]), 80/20 split, Dirichlet(0.5) over 10 clients. */
const digits = numericCsv(gunzipSync(readFileSync(new URL('../../compute/data/digits.csv.gz', import.meta.url))).toString('utf8'), 1 / 16)
const { train, test } = trainTestSplit(digits, 0.2, 1)
const clients = partitionRows(train.labels, { clients: 10, scheme: { kind: 'dirichlet', alpha: 0.5 }, seed: 1 }).map((rows) => subset(train, rows))
/** Local training every digits run here uses: 3 epochs of minibatch SGD (batch 16, rate 0.5) on a 16-unit MLP. */
const LOCAL = { hidden: 16, train: { epochs: 3, learningRate: 0.5, batchSize: 16 } }

const seededNormal = (seed: number) => {
  const random = seededRandom(seed)
  return () => normal(random)
}

const tiny: LabelledData = { features: Float32Array.from([0.1, 0.9, 0.4, 0.3, 0.8, 0.2, 0.5, 0.5, 0, 1, 0.7, 0.1]), labels: Int32Array.from([0, 2, 1, 0, 2, 1]), count: 6, featureCount: 2 }

describe('the local trainer', () => {
  it.each([
    ['softmax regression', 0],
    ['one-hidden-layer MLP', 4],
  ])('%s: its SGD step follows the numerical gradient of the mean cross-entropy', (_name, hidden) => {
    const spec: ModelSpec = { inputs: 2, hidden, classes: 3 }
    const params = initParameters(spec, seededRandom(3))
    const layers = toLayers(params)
    const lr = 1e-3
    sgdStep(spec, layers, tiny, [0, 1, 2, 3, 4, 5], lr)
    const eps = 1e-3
    params.forEach((tensor, t) => {
      for (let i = 0; i < tensor.length; i++) {
        const at = (delta: number) => {
          const p = params.map((x) => Float32Array.from(x))
          ;(p[t] as Float32Array)[i] = (tensor[i] as number) + delta
          return evaluate(spec, p, tiny).loss
        }
        const numeric = (at(eps) - at(-eps)) / (2 * eps)
        const analytic = ((tensor[i] as number) - ((layers[t] as Float64Array)[i] as number)) / lr
        expect(analytic).toBeCloseTo(numeric, 3)
      }
    })
  })

  it('lowers the loss on its own data and reports the loss of the received model', () => {
    const spec: ModelSpec = { inputs: 64, hidden: 16, classes: 10 }
    const start = initParameters(spec, seededRandom(1))
    const data = clients[0] as LabelledData
    const reply = trainLocally(spec, data, 'a', start, { epochs: 2 }, { epochs: 1, batchSize: 16, learningRate: 0.5 }, seededRandom(2))
    expect(reply.numExamples).toBe(data.count)
    expect(reply.metrics.initialLoss).toBeCloseTo(evaluate(spec, start, data).loss, 5)
    expect(evaluate(spec, reply.parameters, data).loss).toBeLessThan((reply.metrics.initialLoss as number) / 2)
  })

  it("keeps FedProx clients nearer the global model as μ grows (the config's proximalMu)", () => {
    const spec: ModelSpec = { inputs: 64, hidden: 16, classes: 10 }
    const start = initParameters(spec, seededRandom(1))
    const drift = (mu: number) => l2Norm(subtract(trainLocally(spec, clients[1] as LabelledData, 'b', start, { proximalMu: mu }, { epochs: 3, batchSize: 16, learningRate: 0.3 }, seededRandom(4)).parameters, start))
    expect(drift(1)).toBeLessThan(drift(0) * 0.8)
  })

  it('clips its update and reports normBit when the config carries clippingNorm', () => {
    const spec: ModelSpec = { inputs: 64, hidden: 16, classes: 10 }
    const start = initParameters(spec, seededRandom(1))
    const reply = trainLocally(spec, clients[2] as LabelledData, 'c', start, { clippingNorm: 0.5 }, { epochs: 1, batchSize: 16, learningRate: 0.5 }, seededRandom(5))
    expect(l2Norm(subtract(reply.parameters, start))).toBeCloseTo(0.5, 4)
    expect(reply.metrics.normBit).toBe(0)
  })
})

describe('runSimulation on digits, Dirichlet(0.5) over 10 clients', () => {
  it('FedAvg reaches at least 95% held-out accuracy within 30 rounds', () => {
    const result = runSimulation({ strategy: createStrategy({ name: 'fedavg' }), clients, test, rounds: 30, seed: 1, ...LOCAL })
    const curve = result.rounds.map((r) => r.accuracy)
    const first = curve.findIndex((a) => a >= 0.95) + 1
    console.info(`FedAvg digits Dirichlet(0.5): ${curve.map((a) => a.toFixed(3)).join(' ')}; first >= 95% at round ${first}`)
    expect(first).toBeGreaterThan(0)
    expect(result.rounds.at(-1)?.accuracy).toBeGreaterThanOrEqual(0.95)
    expect(result.rounds.every((r) => r.participants === 10 && r.failures === 0 && r.updated)).toBe(true)
  })

  it('gives the same rounds for the same seed', () => {
    const run = () => runSimulation({ strategy: createStrategy({ name: 'fedavg', fractionTrain: 0.5 }), clients, test, rounds: 2, seed: 9, ...LOCAL }).rounds
    expect(run()).toEqual(run())
  })

  it('counts dropouts as failures and still aggregates the replies that came', () => {
    const result = runSimulation({ strategy: createStrategy({ name: 'fedavg' }), clients, test, rounds: 3, seed: 2, dropoutRate: 0.3, ...LOCAL })
    for (const r of result.rounds) expect(r.participants + r.failures).toBe(10)
    expect(result.rounds.some((r) => r.failures > 0)).toBe(true)
  })

  it('stops at the privacy budget of a DP strategy and reports ε per round', () => {
    const strategy = withDifferentialPrivacy(createStrategy({ name: 'fedavg', fractionTrain: 0.5, minTrainClients: 2 }), { side: 'client', noiseMultiplier: 1, clippingNorm: 1, targetEpsilon: 4, normal: seededNormal(3) })
    const result = runSimulation({ strategy, clients, test, rounds: 50, seed: 3, hidden: 16, train: { epochs: 1, learningRate: 0.5, batchSize: 16 } })
    expect(result.stopped).toBe('FL_PRIVACY_BUDGET_SPENT')
    const eps = result.rounds.map((r) => r.metrics.epsilon as number)
    expect(eps.every((e, i) => i === 0 || e > (eps[i - 1] as number))).toBe(true)
    expect(eps.at(-1)).toBeLessThanOrEqual(4)
  })

  it('keeps a model of the declared shape', () => {
    const result = runSimulation({ strategy: createStrategy({ name: 'fedavg' }), clients, test, rounds: 1, seed: 1, hidden: 0 })
    expect(result.parameters.map((t) => t.length)).toEqual([64 * 10, 10])
    expect(toParameters(toLayers(result.parameters))).toEqual(result.parameters)
  })
})
