import { createHash, randomBytes } from 'node:crypto'
import { readIdentity, type Identity } from '@w3ai/crypto'
import { parseTokens, UNITS_PER_TOKEN } from '@w3ai/ledger'
import type { ClaimedTask } from '@w3ai/protocol'
import { HubClient, JobsClient, LedgerClient, StakingClient, TaskClient, WalletClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, until } from './helpers.js'
import { chunks, startStorageNet, type StorageNet } from './storage-net.js'

const T = UNITS_PER_TOKEN

/**
 * A compute result proven wrong (outvoted by the verification majority) slashes its node
 * slashWrongResultBps (50%) of its stake, once, under an id derived from the job and the node;
 * the nodes of the majority keep theirs.
 */
describe.each(backends())('slashing wrong results on %s', (backend) => {
  let net: StorageNet
  let nodes: Array<{ id: string; tasks: TaskClient }>
  let jobs: JobsClient
  let module: string

  beforeAll(async () => {
    net = await startStorageNet(backend, 3, { ledger: { faucet: true }, compute: { spotCheckRate: 0 } })
    const hub = new HubClient({ url: net.t.hub.url })
    const alice = await net.account('alice')
    const wallet = new WalletClient(alice.hub)
    await wallet.faucet(parseTokens('1000'))
    nodes = []
    for (const home of net.homes) {
      const identity = (await readIdentity(home)) as Identity
      await wallet.transfer({ to: `node:${identity.id}`, amount: 100n * T })
      await new StakingClient(new HubClient({ url: net.t.hub.url, identity })).stake(100n * T)
      nodes.push({ id: identity.id, tasks: new TaskClient(hub, identity) })
    }
    jobs = new JobsClient(alice.hub, alice.identity)
    const bytes = randomBytes(2000)
    module = (await alice.storage.put(chunks(bytes), bytes.length)).cid
  }, 90_000)
  afterAll(async () => net?.close(), 60_000)

  it('slashes the node outvoted by the majority, once, and no one else', async () => {
    const job = await jobs.submit({ executor: 'wasm', inputs: { module }, verify: 3 })
    const claimed: Array<{ node: (typeof nodes)[number]; task: ClaimedTask }> = []
    for (const node of nodes) for (const task of await node.tasks.claim(['wasm'], 4)) claimed.push({ node, task })
    expect(claimed).toHaveLength(3)
    const [h1, h2, liar] = claimed
    await h1!.node.tasks.complete(h1!.task, { stdout: 'right' })
    await liar!.node.tasks.complete(liar!.task, { stdout: 'wrong' })
    await h2!.node.tasks.complete(h2!.task, { stdout: 'right' })
    expect((await jobs.wait(job.id)).status).toBe('succeeded')

    const staking = new StakingClient(new HubClient({ url: net.t.hub.url }))
    await until(async () => (await staking.get(liar!.node.id)).staked === (50n * T).toString(), 10_000)
    expect(await staking.get(liar!.node.id)).toMatchObject({ staked: (50n * T).toString(), slashed: (50n * T).toString(), eligible: false })
    for (const h of [h1!, h2!]) expect(await staking.get(h.node.id)).toMatchObject({ staked: (100n * T).toString(), slashed: '0' })

    const id = `slash:${createHash('sha256').update(`r:${job.id}:${liar!.node.id}`).digest('hex').slice(0, 32)}`
    const entries = await new LedgerClient(new HubClient({ url: net.t.hub.url })).journal({ limit: 1000 })
    expect(entries.filter((e) => e.kind === 'slash').map((e) => [e.transferId, e.debit, e.credit, e.amount])).toEqual([[id, `stake:${liar!.node.id}`, 'burn', (50n * T).toString()]])
  })
})
