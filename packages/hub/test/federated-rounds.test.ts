import { generateIdentity } from '@w3ai/crypto'
import { RdpAccountant } from '@w3ai/federated'
import type { FlTraining, HubEvent } from '@w3ai/protocol'
import { FederatedClient, HubClient } from '@w3ai/sdk'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { config, dataset, fakeNode, ownerHub, stopNodes, type FakeNode } from './federated-kit.js'
import { startTestHub, until, type TestHub } from './helpers.js'

/** The coordinator runs rounds with nodes that answer by arithmetic (no TF.js): FedAvg, dropouts, stop/resume, restarts. */
describe('federated rounds (central, plaintext)', { timeout: 60_000 }, () => {
  let t: TestHub
  let nodes: FakeNode[] = []
  const owner = generateIdentity('account')
  let fl: FederatedClient
  let hub: HubClient

  beforeAll(async () => {
    ;({ t, hub, fl } = await ownerHub(owner))
  })
  afterEach(async () => {
    nodes = await stopNodes(nodes)
  })
  afterAll(async () => t?.close())

  /** Three training clients (offsets 1, 2, 3; 10, 10 and 20 rows) and an evaluation node, named with `prefix`. */
  async function network(prefix: string): Promise<FakeNode[]> {
    nodes = await Promise.all([
      fakeNode(t.hub.url, [dataset(`${prefix}-0`, 10)], 1),
      fakeNode(t.hub.url, [dataset(`${prefix}-1`, 10)], 2),
      fakeNode(t.hub.url, [dataset(`${prefix}-2`, 20)], 3),
      fakeNode(t.hub.url, [dataset(`${prefix}-test`, 50)], 0),
    ])
    return nodes
  }
  const datasets = (prefix: string) => ({ datasets: [0, 1, 2].map((i) => `${prefix}-${i}`), evaluation: { dataset: `${prefix}-test` } })

  it('runs FedAvg for every round: example-weighted means, evaluation on the held-out node, events for the owner', async () => {
    await network('a')
    const events: HubEvent[] = []
    let subscribed = false
    // The hub subscribes a stream before its hello: from then on no event of this training is missed.
    const unsubscribe = hub.events((m) => (m.type === 'hello' ? (subscribed = true) : events.push(m)))
    await until(async () => subscribed)
    const created = await fl.create(config(datasets('a')))
    expect(created).toMatchObject({ status: 'running', round: 0, rounds: [], modelReady: false, modelCid: null })
    expect(created.clients.map((c) => c.dataset).sort()).toEqual(['a-0', 'a-1', 'a-2'])
    expect(created.evaluators.map((c) => c.dataset)).toEqual(['a-test'])
    expect(created).not.toHaveProperty('topology')
    const done = await fl.wait(created.id, { intervalMs: 100 })
    unsubscribe()
    expect(done.status).toBe('succeeded')
    expect(done.rounds.map((r) => [r.round, r.status, r.participants, r.dropouts])).toEqual([
      [1, 'completed', 3, 0],
      [2, 'completed', 3, 0],
      [3, 'completed', 3, 0],
    ])
    expect(done.rounds.map((r) => r.accuracy)).toEqual([0.51, 0.52, 0.53].map((a) => expect.closeTo(a, 9)))
    expect(done.rounds.map((r) => r.loss)).toEqual([1, 0.5, expect.closeTo(1 / 3, 9)])
    expect(done.rounds[0]?.metrics).toMatchObject({ train_accuracy: 0.4, eval_accuracy: 0.51 })
    // Each round moves every value by (1·10 + 2·10 + 3·20) / 40 = 2.25.
    const { round, parameters } = await fl.parameters(done.id)
    expect(round).toBe(3)
    expect(parameters.map((p) => [...p])).toEqual([[6.75, 6.75, 6.75, 6.75], [6.75, 6.75]])
    expect(done.modelReady).toBe(true)
    await until(async () => events.some((e) => e.type === 'fl.updated' && e.status === 'succeeded'))
    const updates = events.filter((e): e is Extract<HubEvent, { type: 'fl.updated' }> => e.type === 'fl.updated' && e.trainingId === done.id)
    // Created (round 0), each round, then succeeded.
    expect(updates.map((e) => [e.round, e.status])).toEqual([[0, 'running'], [1, 'running'], [2, 'running'], [3, 'running'], [3, 'succeeded']])
  })

  it('counts a client that does not answer in time as a dropout and aggregates the others', async () => {
    const [, , silent] = await network('b')
    silent!.answering = false
    const created = await fl.create(config({ ...datasets('b'), rounds: 2, roundTimeoutMs: 1500 }))
    const done = await fl.wait(created.id, { intervalMs: 100 })
    expect(done.rounds.map((r) => [r.participants, r.dropouts])).toEqual([
      [2, 1],
      [2, 1],
    ])
    const { parameters } = await fl.parameters(done.id)
    // Offsets 1 and 2 with 10 rows each: 1.5 per round.
    expect(parameters[0]?.[0]).toBe(3)
  })

  it('stops after the round in progress is abandoned and resumes at the next round from the checkpoint', async () => {
    await network('c')
    const created = await fl.create(config({ ...datasets('c'), rounds: 4 }))
    await until(async () => (await fl.get(created.id)).round >= 1, 20_000)
    const stopped = await fl.stop(created.id)
    expect(stopped.status).toBe('stopped')
    const atStop = stopped.round
    await new Promise((r) => setTimeout(r, 500))
    expect((await fl.get(created.id)).round).toBe(atStop)
    expect((await hub.request<FlTraining>('POST', `/v1/fl/trainings/${created.id}/stop`).catch((e: { code: string }) => e.code))).toBe('FL_INVALID_STATE')
    const resumed = await fl.resume(created.id)
    expect(resumed.status).toBe('running')
    const done = await fl.wait(created.id, { intervalMs: 100 })
    expect(done.status).toBe('succeeded')
    expect(done.rounds.map((r) => r.round)).toEqual([1, 2, 3, 4])
    expect((await fl.parameters(done.id)).parameters[0]?.[0]).toBe(9)
    expect(await fl.resume(created.id).catch((e: { code: string }) => e.code)).toBe('FL_INVALID_STATE')
  })

  it('reports the privacy spent after every round under dp and stops at the owner\'s budget', async () => {
    await network('p')
    // The budget lies between what two and three rounds spend (all three clients every round: q = 1).
    const spent = (rounds: number): number => {
      const a = new RdpAccountant()
      a.step(1, 2, rounds)
      return a.spent()
    }
    const targetEpsilon = (spent(2) + spent(3)) / 2
    const created = await fl.create(config({ ...datasets('p'), rounds: 6, dp: { side: 'server', noiseMultiplier: 2, clippingNorm: 1, targetEpsilon } }))
    const done = await fl.wait(created.id, { intervalMs: 100 })
    expect(done.status).toBe('stopped')
    expect(done.error?.code).toBe('FL_PRIVACY_BUDGET_SPENT')
    expect(done.rounds.map((r) => r.epsilon)).toEqual([expect.closeTo(spent(1), 9), expect.closeTo(spent(2), 9)])
    // Each update was clipped to norm 1 before the noise: the model moved, but not by the 2.25 of plain FedAvg.
    expect((await fl.parameters(done.id)).parameters[0]?.[0]).not.toBe(4.5)
  })

  it('lists the owner\'s trainings newest first as summaries and hides them from other accounts', async () => {
    const page = await fl.list({ limit: 2 })
    expect(page).toHaveLength(2)
    expect(page.nextCursor).not.toBeNull()
    // The dp training (newest): its setup and progress at a glance, no config, clients or rounds.
    const [newest] = page
    const full = await fl.get(newest!.id)
    expect(newest).toEqual({
      id: full.id,
      name: null,
      status: 'stopped',
      mode: 'central',
      secure: 'none',
      strategy: 'fedavg',
      dp: true,
      round: 2,
      roundsPlanned: 6,
      clientCount: 3,
      accuracy: full.rounds.at(-1)!.accuracy,
      loss: full.rounds.at(-1)!.loss,
      modelCid: null,
      error: full.error,
      createdAt: full.createdAt,
      updatedAt: full.updatedAt,
      finishedAt: full.finishedAt,
    })
    expect(newest!.accuracy).toBeCloseTo(0.52, 9)
    const all: string[] = []
    for await (const tr of fl.all({ limit: 1 })) all.push(tr.id)
    expect(all).toHaveLength(4)
    const stranger = generateIdentity('account')
    const other = new HubClient({ url: t.hub.url, identity: stranger })
    await other.createAccount()
    const theirs = new FederatedClient(other)
    expect(await theirs.list()).toEqual([])
    expect(await theirs.get(all[0]!).catch((e: { code: string }) => e.code)).toBe('FL_TRAINING_NOT_FOUND')
  })
})

describe('a federated training survives a hub restart', { timeout: 90_000 }, () => {
  let t: TestHub
  let nodes: FakeNode[] = []
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
    await t?.close()
  })

  it('resumes at the round after its last checkpoint with the strategy state, without building the initial model again', async () => {
    t = await startTestHub('pglite', { heartbeatIntervalMs: 200 })
    const owner = generateIdentity('account')
    const client = (): FederatedClient => new FederatedClient(new HubClient({ url: t.hub.url, identity: owner }))
    await new HubClient({ url: t.hub.url, identity: owner }).createAccount()
    nodes = await Promise.all([fakeNode(t.hub.url, [dataset('r-0')], 1), fakeNode(t.hub.url, [dataset('r-1')], 2)])
    // Server momentum makes the result depend on state kept between rounds: it must survive the restart.
    const created = await client().create(config({ datasets: ['r-0', 'r-1'], evaluation: undefined, rounds: 5, strategy: { name: 'fedavgm', serverMomentum: 0.5 } }))
    await until(async () => (await client().get(created.id)).round >= 2, 30_000)
    await t.restart()
    const seenAtRestart = nodes.map((n) => n.seen.length)
    const done = await client().wait(created.id, { intervalMs: 100, timeoutMs: 60_000 })
    expect(done.status).toBe('succeeded')
    expect(done.rounds.map((r) => r.round)).toEqual([1, 2, 3, 4, 5])
    const after = nodes.flatMap((n, i) => n.seen.slice(seenAtRestart[i]))
    expect(after.some((w) => w.kind === 'init')).toBe(false)
    expect(Math.min(...after.filter((w) => w.kind === 'train').map((w) => w.round))).toBeGreaterThanOrEqual(2)
    // Pseudo-gradient −1.5 each round; velocity v ← 0.5·v − 1.5: steps 1.5, 2.25, 2.625, 2.8125, 2.90625.
    expect((await client().parameters(done.id)).parameters[1]?.[0]).toBe(12.09375)
  })
})
