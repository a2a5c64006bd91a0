/**
 * Sealed jobs (issue 10): a job submitted with `sealTo` runs on a real node, which seals its result
 * to the submitter; the hub stores and serves `{ sealed }` it cannot read, and only the owner opens
 * it. The hub refuses a seal to another account's key and a sealed job with verify > 1, and never
 * spot-checks a sealed job (it could not compare the replicas).
 */
import { once } from 'node:events'
import { join } from 'node:path'
import { generateIdentity, isSealedResult, type Identity } from '@w3ai/crypto'
import { createNodeAgent, type NodeAgent } from '@w3ai/node'
import { HubClient, JobsClient, openJobResult, StorageClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uppercaseWat, wat } from '../../compute/test/wasm-fixtures.js'
import { checkSealTo } from '../src/domains/compute/validate.js'
import { backends, codeOf, startTestHub, tempHome, until, type Backend, type TestHub } from './helpers.js'
import { chunks } from './storage-net.js'

interface Account {
  identity: Identity
  hub: HubClient
  storage: StorageClient
  jobs: JobsClient
}

const NODES = 3

async function startNodes(t: TestHub, root: string): Promise<NodeAgent[]> {
  const agents: NodeAgent[] = []
  for (let i = 0; i < NODES; i++) {
    const agent = createNodeAgent({
      home: join(root, `node-${i}`),
      hubUrl: t.hub.url,
      logLevel: false,
      cpu: 1,
      memoryGb: 2,
      diskGb: 10,
      executors: ['wasm'],
      reconnect: { initialMs: 50, maxMs: 500 },
      tasks: { slots: 1, pollMs: 50 },
    })
    const connected = once(agent, 'connected')
    await agent.start()
    await connected
    agents.push(agent)
  }
  const probe = new HubClient({ url: t.hub.url })
  await until(async () => (await probe.listNodes({ status: 'online' })).total === NODES, 15_000)
  return agents
}

describe.each(backends())('sealed job results on %s', (backend: Backend) => {
  let t: TestHub
  let root: { dir: string; cleanup: () => Promise<void> }
  let agents: NodeAgent[] = []
  let alice: Account
  let bob: Account
  let module: string
  let input: string

  const account = async (name: string, withKey = true): Promise<Account> => {
    const identity = generateIdentity('account')
    const hub = new HubClient({ url: t.hub.url, identity })
    await hub.createAccount({ name, ...(withKey ? { encryptionKey: identity.encryptionKey } : {}) })
    return { identity, hub, storage: new StorageClient(hub, identity), jobs: new JobsClient(hub, identity) }
  }
  const store = async (who: Account, bytes: Uint8Array): Promise<string> =>
    (await who.storage.put(chunks(bytes), bytes.length, { redundancy: { k: 2, n: 3, repairThreshold: 3 } })).cid

  beforeAll(async () => {
    // Every unsealed job would get a hidden second replica: a sealed one must not.
    t = await startTestHub(backend, { heartbeatIntervalMs: 250, compute: { spotCheckRate: 1 } })
    root = await tempHome('w3ai-sealed-jobs-')
    agents = await startNodes(t, root.dir)
    alice = await account('alice')
    bob = await account('bob')
    module = await store(alice, wat(uppercaseWat()))
    input = await store(alice, Buffer.from('sealed for alice'))
  }, 90_000)

  afterAll(async () => {
    for (const a of agents) await a.stop().catch(() => undefined)
    await t?.close()
    await root?.cleanup()
  }, 60_000)

  it('stores a result the hub cannot read, which opens for its owner only', async () => {
    const submitted = await alice.jobs.submit({ executor: 'wasm', inputs: { module, input }, sealTo: alice.identity.encryptionKey })
    const done = await alice.jobs.wait(submitted.id, { timeoutMs: 60_000 })
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded')
    expect(done.replicas).toBe(1)

    // What the hub holds and serves: a sealed box, nothing of the output in any encoding.
    expect(isSealedResult(done.result)).toBe(true)
    const served = JSON.stringify(done)
    for (const leak of ['SEALED FOR ALICE', Buffer.from('SEALED FOR ALICE').toString('base64'), Buffer.from('SEALED FOR ALICE').toString('base64url')]) {
      expect(served).not.toContain(leak)
    }

    const plain = openJobResult(done, alice.identity) as { stdout: string }
    expect(Buffer.from(plain.stdout, 'base64').toString()).toBe('SEALED FOR ALICE')
    expect(await codeOf(Promise.resolve().then(() => openJobResult(done, bob.identity)))).toBe('COMPUTE_SEAL_DENIED')
    // Bound to its job: the same box presented as another job's result does not open.
    expect(await codeOf(Promise.resolve().then(() => openJobResult({ ...done, id: 'j_000000000000000000000000' }, alice.identity)))).toBe('COMPUTE_SEAL_DENIED')
  }, 90_000)

  it('takes a sealed result of most of the 1 MiB a result may hold (sealing adds a third)', async () => {
    const text = Buffer.alloc(450_000, 'abc')
    const big = await store(alice, text)
    const submitted = await alice.jobs.submit({ executor: 'wasm', inputs: { module, input: big }, sealTo: alice.identity.encryptionKey })
    const done = await alice.jobs.wait(submitted.id, { timeoutMs: 60_000 })
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded')
    expect(JSON.stringify(done.result).length).toBeGreaterThan(800_000)
    const plain = openJobResult(done, alice.identity) as { stdout: string }
    expect(Buffer.from(plain.stdout, 'base64').equals(Buffer.from(text.toString().toUpperCase()))).toBe(true)
  }, 90_000)

  it('refuses a seal to another account and a sealed job with verify > 1', async () => {
    expect(await codeOf(alice.jobs.submit({ executor: 'wasm', inputs: { module, input }, sealTo: bob.identity.encryptionKey }))).toBe('VALIDATION_FAILED')
    expect(await codeOf(alice.jobs.submit({ executor: 'wasm', inputs: { module, input }, sealTo: alice.identity.encryptionKey, verify: 2 }))).toBe('VALIDATION_FAILED')
    expect(await codeOf(alice.jobs.submit({ executor: 'wasm', inputs: { module, input }, sealTo: 'not-a-key' }))).toBe('VALIDATION_FAILED')
  }, 60_000)
})

describe('checkSealTo', () => {
  const key = generateIdentity('account').encryptionKey
  const codeOfSync = (fn: () => void): string | undefined => {
    try {
      fn()
      return undefined
    } catch (err) {
      return (err as { code?: string }).code
    }
  }

  it('lets a job without a seal, or sealed to its submitter once, pass', () => {
    expect(codeOfSync(() => checkSealTo({}, null))).toBeUndefined()
    expect(codeOfSync(() => checkSealTo({ sealTo: key }, key))).toBeUndefined()
    expect(codeOfSync(() => checkSealTo({ sealTo: key, verify: 1 }, key))).toBeUndefined()
  })

  it('refuses a seal from an account without a key, to another key, or with verify > 1', () => {
    expect(codeOfSync(() => checkSealTo({ sealTo: key }, null))).toBe('VALIDATION_FAILED')
    expect(codeOfSync(() => checkSealTo({ sealTo: key }, generateIdentity('account').encryptionKey))).toBe('VALIDATION_FAILED')
    expect(codeOfSync(() => checkSealTo({ sealTo: key, verify: 3 }, key))).toBe('VALIDATION_FAILED')
  })
})
