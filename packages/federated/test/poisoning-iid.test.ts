/**
 * Krum against the same two poisoning clients as poisoning-dirichlet, on an IID split of digits
 * over 10 clients, where its assumption (honest updates close to each other) holds: it stays at
 * or above 90% where FedAvg collapses.
 */
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { createStrategy, numericCsv, partitionRows, runSimulation, subset, trainTestSplit, type Attack, type StrategySpec } from '../src/index.js'

const digits = numericCsv(gunzipSync(readFileSync(new URL('../../compute/data/digits.csv.gz', import.meta.url))).toString('utf8'), 1 / 16)
const { train, test } = trainTestSplit(digits, 0.2, 1)
const clients = partitionRows(train.labels, { clients: 10, scheme: { kind: 'iid' }, seed: 1 }).map((rows) => subset(train, rows))

function accuracy(spec: StrategySpec, attack: Attack): number {
  const result = runSimulation({ strategy: createStrategy(spec), clients, test, rounds: 30, seed: 1, hidden: 16, train: { epochs: 3, learningRate: 0.5, batchSize: 16 }, attackers: attack })
  const curve = result.rounds.map((r) => r.accuracy)
  console.info(`IID, ${spec.name} under the ${attack.kind} attack: ${curve.map((a) => a.toFixed(3)).join(' ')}`)
  return curve.at(-1) as number
}

describe('two of ten clients poison an IID split of digits', () => {
  it('scaled updates (×−10): Krum (f = 2) stays at or above 90% where FedAvg collapses', () => {
    const attack: Attack = { clients: [8, 9], kind: 'scale', factor: -10 }
    const fedavg = accuracy({ name: 'fedavg' }, attack)
    const krum = accuracy({ name: 'krum', numMaliciousClients: 2 }, attack)
    console.info(`IID scale: FedAvg ${fedavg.toFixed(3)}, Krum ${krum.toFixed(3)}`)
    expect(fedavg).toBeLessThan(0.3)
    expect(krum).toBeGreaterThanOrEqual(0.9)
  })

  it('random updates (N(0, 5²)): Krum stays at or above 90%', () => {
    expect(accuracy({ name: 'krum', numMaliciousClients: 2 }, { clients: [8, 9], kind: 'random', factor: 5 })).toBeGreaterThanOrEqual(0.9)
  })
})
