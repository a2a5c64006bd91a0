/**
 * The contract every strategy keeps (CONVENTIONS item 9): each one in STRATEGY_NAMES runs through
 * the same checks, so a new strategy is conformant by adding it to the factory.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '@w3ai/util'
import { createStrategy, isCheckpointable, STRATEGY_NAMES, weightedMean, type Parameters, type Strategy, type StrategySpec, type TrainReply } from '../src/index.js'
import { codeOf } from './helpers.js'

const CLIENTS = 12
const SHAPES = [7, 3, 1]

/** Options that let each strategy aggregate 12 replies (the Byzantine ones with f = 2). */
const SPECS: Record<(typeof STRATEGY_NAMES)[number], StrategySpec> = {
  fedavg: { name: 'fedavg' },
  fedavgm: { name: 'fedavgm', serverMomentum: 0.9 },
  fedprox: { name: 'fedprox', proximalMu: 0.1 },
  fedadagrad: { name: 'fedadagrad' },
  fedadam: { name: 'fedadam' },
  fedyogi: { name: 'fedyogi' },
  qfedavg: { name: 'qfedavg', q: 1 },
  fedmedian: { name: 'fedmedian' },
  fedtrimmedavg: { name: 'fedtrimmedavg', beta: 0.2 },
  krum: { name: 'krum', numMaliciousClients: 2 },
  multikrum: { name: 'multikrum', numMaliciousClients: 2 },
  bulyan: { name: 'bulyan', numMaliciousClients: 2 },
}

function randomParams(random: () => number, scale = 1): Parameters {
  return SHAPES.map((n) => Float32Array.from({ length: n }, () => (random() - 0.5) * scale))
}

function repliesFor(round: number, current: Parameters, seed: number): TrainReply[] {
  const random = seededRandom(seed * 1000 + round)
  return Array.from({ length: CLIENTS }, (_, i) => ({
    clientId: `c${i}`,
    parameters: current.map((t) => t.map((v) => v + (random() - 0.5) * 0.2)),
    numExamples: 10 + i,
    metrics: { loss: 0.5 + random(), accuracy: random() },
  }))
}

/** Runs `rounds` rounds from a fixed start and returns each round's parameters. */
function run(strategy: Strategy, rounds: number, seed: number): Parameters[] {
  let current = randomParams(seededRandom(seed))
  const history: Parameters[] = []
  for (let round = 1; round <= rounds; round++) {
    const next = strategy.aggregateTrain(round, current, repliesFor(round, current, seed), 0).parameters
    if (next !== undefined) current = next
    history.push(current)
  }
  return history
}

const plain = (p: Parameters | undefined): number[][] | undefined => p?.map((t) => Array.from(t))

describe.each(STRATEGY_NAMES.map((name) => [name]))('strategy %s', (name) => {
  const make = (extra: Record<string, unknown> = {}): Strategy => createStrategy({ ...SPECS[name], ...extra })
  const pool = { ids: Array.from({ length: CLIENTS }, (_, i) => `c${i}`) }

  it('is named as the factory names it', () => {
    expect(make().name).toBe(name)
  })

  it('picks the same clients and gives the same parameters for the same seed', () => {
    const a = make().configureTrain(1, randomParams(seededRandom(1)), pool, seededRandom(42))
    const b = make().configureTrain(1, randomParams(seededRandom(1)), pool, seededRandom(42))
    expect(a.map((i) => i.clientId)).toEqual(b.map((i) => i.clientId))
    expect(new Set(a.map((i) => i.clientId)).size).toBe(a.length)
    expect(a.every((i) => i.config.round === 1)).toBe(true)
    expect(run(make(), 3, 5).map(plain)).toEqual(run(make(), 3, 5).map(plain))
  })

  it('keeps the tensor count and sizes, as float32', () => {
    const out = run(make(), 2, 9).at(-1) as Parameters
    expect(out.map((t) => t.length)).toEqual(SHAPES)
    expect(out.every((t) => t instanceof Float32Array && t.every(Number.isFinite))).toBe(true)
  })

  it('leaves parameters and state untouched by a round with no replies', () => {
    const s = make()
    const current = randomParams(seededRandom(3))
    expect(s.aggregateTrain(1, current, [], 0).parameters).toBeUndefined()
    expect(s.aggregateTrain(2, current, [], 4).parameters).toBeUndefined()
    const after = s.aggregateTrain(3, current, repliesFor(1, current, 3), 0).parameters
    const fresh = make().aggregateTrain(1, current, repliesFor(1, current, 3), 0).parameters
    expect(plain(after)).toEqual(plain(fresh))
  })

  it('changes nothing when every client sends back the parameters it got', () => {
    const current = randomParams(seededRandom(4))
    const same = repliesFor(1, current, 4).map((r) => ({ ...r, parameters: current.map((t) => new Float32Array(t)) }))
    const out = make().aggregateTrain(1, current, same, 0).parameters as Parameters
    out.forEach((t, i) => t.forEach((v, j) => expect(v).toBeCloseTo((current[i] as Float32Array)[j] as number, 6)))
  })

  it('refuses a reply of the wrong shape, with NaN, or with no examples (FL_BAD_UPDATE)', () => {
    const current = randomParams(seededRandom(6))
    const good = repliesFor(1, current, 6)
    const withBad = (bad: Partial<TrainReply>): TrainReply[] => [...good.slice(1), { ...(good[0] as TrainReply), ...bad }]
    expect(codeOf(() => make().aggregateTrain(1, current, withBad({ parameters: current.slice(1) }), 0))).toBe('FL_BAD_UPDATE')
    expect(codeOf(() => make().aggregateTrain(1, current, withBad({ parameters: current.map((t) => t.map(() => NaN)) }), 0))).toBe('FL_BAD_UPDATE')
    expect(codeOf(() => make().aggregateTrain(1, current, withBad({ numExamples: 0 }), 0))).toBe('FL_BAD_UPDATE')
  })

  it('keeps the old parameters after a failure when acceptFailures is false', () => {
    const current = randomParams(seededRandom(7))
    expect(make({ acceptFailures: false }).aggregateTrain(1, current, repliesFor(1, current, 7), 1).parameters).toBeUndefined()
    expect(make().aggregateTrain(1, current, repliesFor(1, current, 7), 1).parameters).toBeDefined()
  })

  it('refuses to start a round with fewer clients available than it needs (FL_NOT_ENOUGH_CLIENTS)', () => {
    expect(codeOf(() => make({ minAvailableClients: CLIENTS + 1 }).configureTrain(1, randomParams(seededRandom(1)), pool, seededRandom(1)))).toBe('FL_NOT_ENOUGH_CLIENTS')
  })

  it('resumes from a JSON checkpoint exactly where it stopped (a hub restart between rounds)', () => {
    const original = make()
    const history = run(original, 2, 11)
    const current = history.at(-1) as Parameters
    if (!isCheckpointable(original)) throw new Error(`${name} cannot be checkpointed`)
    const resumed = make()
    if (!isCheckpointable(resumed)) throw new Error(`${name} cannot be checkpointed`)
    resumed.restore(JSON.parse(JSON.stringify(original.checkpoint())))
    const next = (s: Strategy) => plain(s.aggregateTrain(3, current, repliesFor(3, current, 11), 0).parameters)
    expect(next(resumed)).toEqual(next(original))
  })

  it('when linear, gives from the weighted mean what it gives from the replies', () => {
    const s = make()
    if (s.linear === undefined) return
    const current = randomParams(seededRandom(8))
    const replies = repliesFor(1, current, 8)
    const total = replies.reduce((a, r) => a + r.numExamples, 0)
    const mean = weightedMean(replies.map((r) => r.parameters), replies.map((r) => r.numExamples))
    expect(plain(s.linear.fromMean(1, current, mean, total, replies.length).parameters)).toEqual(plain(make().aggregateTrain(1, current, replies, 0).parameters))
  })
})

describe('the strategy list', () => {
  it('names every strategy Flower ships except the XGBoost ones, in a stable order', () => {
    expect(STRATEGY_NAMES).toEqual(['fedavg', 'fedavgm', 'fedprox', 'fedadagrad', 'fedadam', 'fedyogi', 'qfedavg', 'fedmedian', 'fedtrimmedavg', 'krum', 'multikrum', 'bulyan'])
  })

  it('marks exactly the strategies secure aggregation can run as linear', () => {
    const linear = STRATEGY_NAMES.filter((name) => createStrategy({ name }).linear !== undefined)
    expect(linear).toEqual(['fedavg', 'fedavgm', 'fedprox', 'fedadagrad', 'fedadam', 'fedyogi'])
  })
})
