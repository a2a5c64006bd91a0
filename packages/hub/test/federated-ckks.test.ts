import { randomBytes } from 'node:crypto'
import { wrapKey } from '@w3ai/crypto'
import { decryptMean, generateJobKeys } from '@w3ai/federated/he'
import type { FlConfig, FlTraining } from '@w3ai/protocol'
import { sealParameters, type FederatedClient, type HubClient } from '@w3ai/sdk'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { config, dataset, fakeNode, ownerHub, stopNodes, type FakeNode } from './federated-kit.js'
import { codeOf, until, type TestHub } from './helpers.js'

/**
 * Central rounds under CKKS: clients encrypt under the owner's public key, the hub adds
 * ciphertexts with no key, and only the owner decrypts the aggregate; the owner seals the next
 * parameters with a model key wrapped to the nodes, so the hub relays models it cannot read.
 */
describe('federated rounds under ckks', { timeout: 120_000 }, () => {
  let t: TestHub
  let nodes: FakeNode[] = []
  let fl: FederatedClient
  let hub: HubClient

  beforeAll(async () => {
    ;({ t, hub, fl } = await ownerHub())
  })
  afterEach(async () => {
    nodes = await stopNodes(nodes)
  })
  afterAll(async () => t?.close())

  it('trains with the owner decrypting each round; the hub never holds a key or a plaintext model past the initial one', async () => {
    nodes = await Promise.all([1, 2, 3].map((offset, i) => fakeNode(t.hub.url, [dataset(`c-${i}`, 10)], offset)))
    nodes.push(await fakeNode(t.hub.url, [dataset('c-test', 20)], 0))
    const keys = await generateJobKeys()
    const modelKey = randomBytes(32)
    const created = await fl.create(config({ datasets: ['c-0', 'c-1', 'c-2'], evaluation: { dataset: 'c-test' }, rounds: 2, secure: 'ckks', ckksPublicKey: keys.publicKey as FlConfig['ckksPublicKey'] }))
    let current: Float32Array[] = []
    // The owner's loop: decrypt the waiting aggregate, take its mean (FedAvg), seal it for the nodes.
    const answered: number[] = []
    let training: FlTraining = created
    while (training.status === 'running') {
      training = await fl.get(created.id)
      const round = training.awaitingOwner
      if (round === null || round === undefined || answered.includes(round)) {
        await new Promise((r) => setTimeout(r, 100))
        continue
      }
      const waiting = await fl.aggregate(created.id)
      expect(JSON.stringify(waiting.aggregate)).not.toContain(keys.secretKey.key)
      const { mean, totalExamples, clients } = await decryptMean(keys.secretKey, waiting.aggregate)
      expect([totalExamples, clients]).toEqual([30, 3])
      current = mean
      const wrapped = await Promise.all([...training.clients, ...training.evaluators].map(async (c) => ({ nodeId: c.nodeId, wrappedKey: wrapKey(modelKey, (await hub.getNode(c.nodeId)).encryptionKey as string) })))
      await fl.publishGlobal(created.id, { round, sealed: sealParameters(modelKey, mean, created.id, round), keys: wrapped })
      answered.push(round)
    }
    expect(training.status).toBe('succeeded')
    expect(training.rounds.map((r) => [r.status, r.participants, r.dropouts])).toEqual([['completed', 3, 0], ['completed', 3, 0]])
    // Evaluated on the held-out node, which opened the sealed parameters with its wrapped key.
    expect(training.rounds.map((r) => r.accuracy)).toEqual([expect.closeTo(0.51, 9), expect.closeTo(0.52, 9)])
    // Each round adds the mean offset 2 (equal weights), within CKKS precision.
    for (const v of current.flatMap((p) => [...p])) expect(v).toBeCloseTo(4, 3)
    expect(training.modelReady).toBe(false)
    // Round 2 started from the sealed parameters: its clients got no plaintext parameters from the hub.
    const round2 = nodes[0]!.seen.find((w) => w.kind === 'train' && w.round === 2)
    expect(round2?.parameters).toBe(false)
    expect(round2?.message).toMatchObject({ sealedRound: 1, sealed: { sizes: [4, 2] } })
  })

  it('refuses a ckks training without the owner\'s public key, a key with parameters SEAL rejects, dp with ckks, and answers out of turn', async () => {
    nodes = await Promise.all([0, 1].map((i) => fakeNode(t.hub.url, [dataset(`k-${i}`, 10)], 1)))
    const base = config({ datasets: ['k-0', 'k-1'], evaluation: undefined, secure: 'ckks' })
    expect(await codeOf(fl.create(base))).toBe('FL_BAD_CONFIG')
    const { publicKey } = await generateJobKeys()
    const key = publicKey as FlConfig['ckksPublicKey']
    expect(await codeOf(fl.create({ ...base, ckksPublicKey: { ...key!, params: { ...key!.params, polyModulusDegree: 1000 } } }))).toBe('FL_BAD_CONFIG')
    expect(await codeOf(fl.create({ ...base, ckksPublicKey: key, dp: { side: 'client', noiseMultiplier: 1, clippingNorm: 1 } }))).toBe('FL_BAD_CONFIG')
    expect(await codeOf(fl.create({ ...base, secure: 'none', ckksPublicKey: key }))).toBe('FL_BAD_CONFIG')
    const plain = await fl.create(config({ datasets: ['k-0', 'k-1'], evaluation: undefined, rounds: 1 }))
    expect(await codeOf(fl.aggregate(plain.id))).toBe('FL_INVALID_STATE')
    expect(await codeOf(fl.publishGlobal(plain.id, { round: 1, sealed: { sizes: [], nonce: 'AAAAAAAAAAAAAAAA', data: '' } }))).toBe('FL_INVALID_STATE')
    await until(async () => (await fl.get(plain.id)).status === 'succeeded', 20_000)
  })
})
