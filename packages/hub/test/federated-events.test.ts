import { generateIdentity } from '@w3ai/crypto'
import type { HubEvent } from '@w3ai/protocol'
import { FederatedClient, HubClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { config, dataset, fakeNode, type FakeNode } from './federated-kit.js'
import { startTestHub, until, type TestHub } from './helpers.js'

type FlUpdated = Extract<HubEvent, { type: 'fl.updated' }>

interface Stream {
  updates: FlUpdated[]
  close: () => void
}

/** The account's signed event stream, once the hub has subscribed it (its hello arrived). */
async function stream(hub: HubClient): Promise<Stream> {
  const updates: FlUpdated[] = []
  let subscribed = false
  const close = hub.events((m) => {
    if (m.type === 'hello') subscribed = true
    else if (m.type === 'fl.updated') updates.push(m)
  })
  await until(async () => subscribed)
  return { updates, close }
}

const statuses = (s: Stream, trainingId: string): string[] => s.updates.filter((e) => e.trainingId === trainingId).map((e) => e.status)

/** Owners hear of their trainings as they change (created, stopped, resumed, ended); nobody else does. */
describe('federated events', { timeout: 60_000 }, () => {
  let t: TestHub
  let nodes: FakeNode[] = []
  const accounts: Array<{ hub: HubClient; fl: FederatedClient }> = []

  beforeAll(async () => {
    t = await startTestHub('pglite', { heartbeatIntervalMs: 200 })
    for (let i = 0; i < 2; i++) {
      const hub = new HubClient({ url: t.hub.url, identity: generateIdentity('account') })
      await hub.createAccount()
      accounts.push({ hub, fl: new FederatedClient(hub) })
    }
    nodes = await Promise.all([1, 2].map((offset, i) => fakeNode(t.hub.url, [dataset(`e-${i}`, 10)], offset)))
  })
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
    await t?.close()
  })

  it('tells the owner, and only the owner, that a training was created, stopped and resumed', async () => {
    const [alice, bob] = accounts as [(typeof accounts)[number], (typeof accounts)[number]]
    const mine = await stream(alice.hub)
    const theirs = await stream(bob.hub)
    const training = await alice.fl.create(config({ datasets: ['e-0', 'e-1'], evaluation: undefined, rounds: 10_000 }))
    await until(async () => statuses(mine, training.id).includes('running'))
    expect(mine.updates.find((e) => e.trainingId === training.id)).toEqual({ type: 'fl.updated', trainingId: training.id, round: 0, status: 'running' })

    const stopped = await alice.fl.stop(training.id)
    await until(async () => statuses(mine, training.id).includes('stopped'))
    expect(mine.updates.find((e) => e.trainingId === training.id && e.status === 'stopped')?.round).toBe(stopped.round)

    const before = statuses(mine, training.id).length
    await alice.fl.resume(training.id)
    await until(async () => statuses(mine, training.id).slice(before).includes('running'))
    await alice.fl.stop(training.id)

    // Bob's own training: once he hears of it, every earlier event was decided for his stream too.
    const his = await bob.fl.create(config({ datasets: ['e-0', 'e-1'], evaluation: undefined, rounds: 10_000 }))
    await until(async () => statuses(theirs, his.id).includes('running'))
    await bob.fl.stop(his.id)
    expect(theirs.updates.filter((e) => e.trainingId === training.id)).toEqual([])
    expect(new Set(theirs.updates.map((e) => e.trainingId))).toEqual(new Set([his.id]))
    mine.close()
    theirs.close()
  })

  it('tells the owner that a training succeeded', async () => {
    const [alice] = accounts as [(typeof accounts)[number]]
    const mine = await stream(alice.hub)
    const training = await alice.fl.create(config({ datasets: ['e-0', 'e-1'], evaluation: undefined, rounds: 2 }))
    await until(async () => statuses(mine, training.id).includes('succeeded'), 20_000)
    expect(mine.updates.filter((e) => e.trainingId === training.id).map((e) => [e.round, e.status])).toEqual([[0, 'running'], [1, 'running'], [2, 'running'], [2, 'succeeded']])
    mine.close()
  })
})
