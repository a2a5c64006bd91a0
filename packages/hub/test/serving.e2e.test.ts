/**
 * Model serving end to end on a real devnet: a stored ONNX model deployed on two nodes answers
 * inference through the hub with what onnxruntime computes directly, batches concurrent requests,
 * survives the loss of a serving node, refuses bad input with stable codes, and stops.
 */
import { startDevnet, type Devnet } from '@w3ai/cli'
import { generateIdentity, signRequest } from '@w3ai/crypto'
import { DeploymentsClient, HubClient, StorageClient } from '@w3ai/sdk'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { denseJs, linearModel, randomDense } from '../../compute/test/helpers/onnx-models.js'
import { codeOf, tempHome, until } from './helpers.js'
import { chunks } from './storage-net.js'

describe('model serving on a real devnet', () => {
  let devnet: Devnet
  let home: { dir: string; cleanup: () => Promise<void> }
  let hub: HubClient
  let storage: StorageClient
  let deployments: DeploymentsClient
  const layer = randomDense(4, 3, 5)
  const model = linearModel(layer)
  let modelCid: string
  let deploymentId: string

  const rows = (n: number, seed: number): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: 4 }, (_, j) => Math.cos(seed + i * 4 + j)))
  const tensors = (x: number[][]) => ({ x: { type: 'float32', dims: [x.length, 4], data: x.flat() } })
  const store = async (bytes: Uint8Array): Promise<string> => (await storage.put(chunks(bytes), bytes.length, { redundancy: { k: 2, n: 3, repairThreshold: 3 } })).cid

  beforeAll(async () => {
    home = await tempHome('w3ai-serving-e2e-')
    devnet = await startDevnet({ home: home.dir, nodes: 3, hubPort: 0, logLevel: 'warn', env: { W3AI_TASK_POLL_MS: '200', W3AI_SPOT_CHECK_RATE: '0' } })
    const identity = generateIdentity('account')
    hub = new HubClient({ url: devnet.hubUrl, identity })
    await hub.createAccount({ name: 'serving', encryptionKey: identity.encryptionKey })
    storage = new StorageClient(hub, identity)
    deployments = new DeploymentsClient(hub, identity)
    modelCid = await store(model)
  }, 120_000)

  afterAll(async () => {
    await devnet?.stop()
    await home?.cleanup()
  }, 60_000)

  it('deploys a stored model on two nodes and answers with what onnxruntime computes directly', async () => {
    const created = await deployments.create({ model: modelCid, replicas: 2 })
    deploymentId = created.id
    expect(created.replicas).toHaveLength(2)
    const ready = await deployments.waitReady(deploymentId, { timeoutMs: 60_000 })
    expect(ready.io?.inputs.map((i) => i.name)).toEqual(['x'])
    const x = rows(3, 1)
    const session = await ort.InferenceSession.create(model)
    const direct = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x.flat()), [3, 4]) })
    const answer = await deployments.infer(deploymentId, tensors(x))
    expect(answer.outputs.y?.dims).toEqual([3, 3])
    expect(answer.outputs.y?.data).toEqual(Array.from(direct.y!.data as Float32Array))
    expect(ready.replicas.map((r) => r.nodeId)).toContain(answer.nodeId)
  }, 90_000)

  it('answers many concurrent requests, each with its own rows, over both replicas', async () => {
    const inputs = Array.from({ length: 40 }, (_, i) => rows(1 + (i % 4), i))
    const answers = await Promise.all(inputs.map((x) => deployments.infer(deploymentId, tensors(x))))
    answers.forEach((a, i) => {
      const expected = denseJs(inputs[i]!, layer).flat()
      a.outputs.y!.data.forEach((v, j) => expect(v as number).toBeCloseTo(expected[j]!, 4))
    })
    expect(new Set(answers.map((a) => a.nodeId)).size).toBe(2)
    await until(async () => (await deployments.get(deploymentId)).stats.requests >= 41, 10_000)
  }, 60_000)

  it('refuses bad requests with stable codes and leaves the deployment serving', async () => {
    expect(await codeOf(deployments.infer(deploymentId, { x: { type: 'float32', dims: [1, 5], data: [1, 2, 3, 4, 5] } }))).toBe('COMPUTE_SHAPE_MISMATCH')
    expect(await codeOf(deployments.infer(deploymentId, { x: { type: 'float32', dims: [2, 4], data: [1, 2] } }))).toMatch(/^COMPUTE_(BAD_INPUT|SHAPE_MISMATCH)$/)
    expect(await codeOf(deployments.infer(deploymentId, { nope: { type: 'float32', dims: [1, 4], data: [1, 2, 3, 4] } }))).toBe('COMPUTE_BAD_INPUT')
    expect(await codeOf(hub.request('POST', `/v1/deployments/${deploymentId}/infer`, { inputs: tensors(rows(1, 1)), extra: 1 }))).toBe('VALIDATION_FAILED')
    expect(await codeOf(deployments.infer('d_000000000000000000000000', tensors(rows(1, 1))))).toBe('DEPLOYMENT_NOT_FOUND')
    expect(await codeOf(deployments.infer('not-an-id', tensors(rows(1, 1))))).toBe('DEPLOYMENT_NOT_FOUND')
    expect(await codeOf(deployments.create({ model: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' }))).toBe('STORAGE_OBJECT_NOT_FOUND')
    expect(await codeOf(hub.request('POST', '/v1/deployments', { model: modelCid, replicas: 0 }))).toBe('VALIDATION_FAILED')
    expect(await codeOf(hub.request('POST', '/v1/deployments', { model: modelCid, replicas: 9 }))).toBe('VALIDATION_FAILED')
    // Another account sees nothing of this deployment.
    const stranger = generateIdentity('account')
    const other = new HubClient({ url: devnet.hubUrl, identity: stranger })
    await other.createAccount({ name: 'stranger', encryptionKey: stranger.encryptionKey })
    expect(await codeOf(new DeploymentsClient(other, stranger).infer(deploymentId, tensors(rows(1, 1))))).toBe('DEPLOYMENT_NOT_FOUND')
    expect(await codeOf(new DeploymentsClient(other, stranger).create({ model: modelCid }))).toBe('STORAGE_ACCESS_DENIED')
    // A node serves only requests signed by the network's key.
    const replica = (await deployments.get(deploymentId)).replicas[0]!
    const nodeUrl = devnet.nodes.find((n) => n.id === replica.nodeId)!.url
    const body = JSON.stringify({ inputs: tensors(rows(1, 1)) })
    const path = `/v1/serve/${deploymentId}`
    const forged = await fetch(nodeUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...signRequest(stranger, 'POST', path, body) }, body })
    expect(forged.status).toBe(403)
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('AUTH_WRONG_IDENTITY')
    const unsigned = await fetch(nodeUrl + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect(unsigned.status).toBe(401)
    expect((await deployments.infer(deploymentId, tensors(rows(2, 9)))).outputs.y?.dims).toEqual([2, 3])
  }, 60_000)

  it('reports a model the nodes cannot load as failed', async () => {
    const junk = await store(new TextEncoder().encode('this is not an onnx model'))
    const d = await deployments.create({ model: junk })
    await until(async () => (await deployments.get(d.id)).status === 'failed', 30_000)
    const failed = await deployments.get(d.id)
    expect(failed.replicas[0]?.error?.code).toBe('COMPUTE_MODEL_INVALID')
    expect(await codeOf(deployments.infer(d.id, tensors(rows(1, 1))))).toBe('DEPLOYMENT_NOT_READY')
  }, 60_000)

  it('keeps answering when a serving node dies, heals onto another node, then stops', async () => {
    const d = await deployments.get(deploymentId)
    const victim = devnet.nodes.find((n) => n.id === d.replicas[0]!.nodeId)!
    victim.kill('SIGKILL')
    for (let i = 0; i < 10; i++) {
      const a = await deployments.infer(deploymentId, tensors(rows(1, i)))
      expect(a.nodeId).not.toBe(victim.id)
    }
    await until(async () => (await deployments.get(deploymentId)).status === 'degraded', 20_000)
    expect(await codeOf(deployments.heal('d_000000000000000000000000'))).toBe('DEPLOYMENT_NOT_FOUND')
    // Heal: a new node gets the key and replaces the dead one; the deployment is ready again.
    await until(async () => (await hub.getNode(victim.id)).status === 'offline', 20_000)
    const healed = await deployments.heal(deploymentId)
    expect(healed.replicas.find((r) => r.nodeId === victim.id)?.state).toBe('stopped')
    const again = await deployments.waitReady(deploymentId, { timeoutMs: 30_000 })
    const serving = again.replicas.filter((r) => r.state === 'ready').map((r) => r.nodeId)
    expect(serving).toHaveLength(2)
    expect(serving).not.toContain(victim.id)
    expect(await codeOf(deployments.heal(deploymentId))).toBe('DEPLOYMENT_INVALID_STATE')
    const replacement = serving.find((n) => n !== d.replicas[1]!.nodeId)!
    await until(async () => {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => deployments.infer(deploymentId, tensors(rows(1, i)))))
      return answers.some((a) => a.nodeId === replacement)
    }, 10_000)
    const stopped = await deployments.stop(deploymentId)
    expect(stopped.status).toBe('stopped')
    expect(await codeOf(deployments.infer(deploymentId, tensors(rows(1, 1))))).toBe('DEPLOYMENT_INVALID_STATE')
    expect(await codeOf(deployments.stop(deploymentId))).toBe('DEPLOYMENT_INVALID_STATE')
    expect((await deployments.list()).map((x) => x.id)).toContain(deploymentId)
  }, 60_000)
})
