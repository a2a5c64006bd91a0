import { idFromPublicKey } from '@w3ai/crypto'
import type { SecAggPublicKeys, SecAggSetupRequest } from '@w3ai/federated'
import type { FlWork } from '@w3ai/protocol'
import type { FederatedClient } from '@w3ai/sdk'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { config, dataset, fakeNode, ownerHub, stopNodes, type FakeNode } from './federated-kit.js'
import type { TestHub } from './helpers.js'

/** Central rounds under SecAgg+: the hub sums masked updates and learns only their weighted mean; rounds survive dropouts down to the threshold. */
describe('federated rounds under secagg+', { timeout: 90_000 }, () => {
  let t: TestHub
  let nodes: FakeNode[] = []
  let fl: FederatedClient

  beforeAll(async () => {
    ;({ t, fl } = await ownerHub())
  })
  afterEach(async () => {
    nodes = await stopNodes(nodes)
  })
  afterAll(async () => t?.close())

  /** Clients with offsets 1..n and 10 rows each, named `${prefix}-i`. */
  async function clients(prefix: string, n: number): Promise<string[]> {
    nodes = await Promise.all(Array.from({ length: n }, (_, i) => fakeNode(t.hub.url, [dataset(`${prefix}-${i}`, 10)], i + 1)))
    return nodes.map((_, i) => `${prefix}-${i}`)
  }

  it('gives the same model as plaintext FedAvg, while no client sends its update in the clear', async () => {
    const names = await clients('s', 3)
    const created = await fl.create(config({ datasets: names, evaluation: undefined, rounds: 2, secure: 'secagg+' }))
    const done = await fl.wait(created.id, { intervalMs: 100 })
    expect(done.status).toBe('succeeded')
    expect(done.rounds.map((r) => [r.status, r.participants, r.dropouts])).toEqual([
      ['completed', 3, 0],
      ['completed', 3, 0],
    ])
    // Offsets 1, 2, 3 with equal weights: 2 per round, up to SecAgg+'s quantization.
    const { parameters } = await fl.parameters(done.id)
    for (const v of parameters.flatMap((p) => [...p])) expect(v).toBeCloseTo(4, 4)
    const stages = nodes[0]!.seen.filter((w: FlWork) => w.kind === 'secagg').map((w) => (w.message as { stage: string }).stage)
    expect(stages).toEqual(['setup', 'share-keys', 'collect-masked-vectors', 'unmask', 'setup', 'share-keys', 'collect-masked-vectors', 'unmask'])
  })

  it('completes a round when clients drop mid-round down to the threshold, and fails it cleanly below', async () => {
    // Five clients: neighbourhoods of all five, threshold 3.
    const names = await clients('d', 5)
    nodes[3]!.dropAt = 'collect-masked-vectors'
    nodes[4]!.dropAt = 'collect-masked-vectors'
    const created = await fl.create(config({ datasets: names, evaluation: undefined, rounds: 2, secure: 'secagg+', roundTimeoutMs: 1500 }))
    const first = await fl.wait(created.id, { intervalMs: 100, onUpdate: (u) => {
      // After the first round, one more client goes silent at the masked vectors: 2 left, below the threshold.
      if (u.rounds.length === 1) nodes[2]!.dropAt = 'collect-masked-vectors'
    } })
    expect(first.status).toBe('succeeded')
    const [r1, r2] = first.rounds
    expect([r1?.status, r1?.participants, r1?.dropouts]).toEqual(['completed', 3, 2])
    expect([r2?.status, r2?.participants, r2?.error?.code]).toEqual(['failed', 0, 'FL_SECAGG_BELOW_THRESHOLD'])
    // Round 1 averaged the survivors (offsets 1, 2, 3); the failed round 2 left the model as it was.
    const { round, parameters } = await fl.parameters(first.id)
    expect(round).toBe(1)
    expect(parameters[0]?.[0]).toBeCloseTo(2, 4)
  })

  it('signs every round key with the identity of the node its client belongs to, one node holding two clients', async () => {
    nodes = await Promise.all([fakeNode(t.hub.url, [dataset('a-0', 10), dataset('a-1', 10)], 1), fakeNode(t.hub.url, [dataset('a-2', 10)], 2)])
    const [two, one] = nodes.map((n) => n.sim.identity.id) as [string, string]
    const created = await fl.create(config({ datasets: ['a-0', 'a-1', 'a-2'], evaluation: undefined, rounds: 1, secure: 'secagg+' }))
    const done = await fl.wait(created.id, { intervalMs: 100 })
    expect(done.rounds.map((r) => [r.status, r.participants, r.dropouts])).toEqual([['completed', 3, 0]])
    // Offsets 1, 1 and 2 with equal weights.
    const { parameters } = await fl.parameters(done.id)
    for (const v of parameters.flatMap((p) => [...p])) expect(v).toBeCloseTo(4 / 3, 4)
    const secagg = nodes.flatMap((n) => n.seen).filter((w: FlWork) => w.kind === 'secagg')
    const setup = secagg.map((w) => w.message as SecAggSetupRequest).find((m) => m.stage === 'setup')
    expect(setup?.config).toMatchObject({ authenticate: true, clients: [`${two}/a-0`, `${two}/a-1`, `${one}/a-2`].sort() })
    // Every neighbour key the hub relayed carries the signature of the node that client id names.
    const relayed = secagg.flatMap((w) => Object.entries((w.message as { keys?: Record<string, SecAggPublicKeys> }).keys ?? {}))
    expect(relayed).toHaveLength(6)
    for (const [clientId, keys] of relayed) {
      expect(keys.signature).toEqual(expect.any(String))
      expect(clientId.split('/')[0]).toBe(idFromPublicKey('node', keys.signingKey as string))
    }
  })
})
