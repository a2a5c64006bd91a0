/**
 * Serving's fast paths on a real devnet: binary tensor frames through the hub give exactly the
 * JSON answers, a malformed frame is refused with its code and nothing breaks, and a direct ticket
 * lets the owner call the serving node without the hub (never a stranger, never an order-paid call).
 */
import { startDevnet, type Devnet } from '@w3ai/cli'
import { generateIdentity, signRequest } from '@w3ai/crypto'
import { decodeTensorFrame, encodeTensorFrame, TENSOR_FRAME_TYPE, TICKET_HEADER } from '@w3ai/protocol'
import { DeploymentsClient, HubClient, StorageClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { denseJs, linearModel, randomDense } from '../../compute/test/helpers/onnx-models.js'
import { codeOf, tempHome } from './helpers.js'
import { chunks } from './storage-net.js'

describe('serving wire: binary frames and direct tickets', () => {
  let devnet: Devnet
  let home: { dir: string; cleanup: () => Promise<void> }
  let hub: HubClient
  let deployments: DeploymentsClient
  let deploymentId: string
  const identity = generateIdentity('account')
  const layer = randomDense(4, 3, 11)
  const rows = (n: number, seed: number): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: 4 }, (_, j) => Math.sin(seed + i * 4 + j)))
  const tensors = (x: number[][]) => ({ x: { type: 'float32', dims: [x.length, 4], data: Float32Array.from(x.flat()) } })

  beforeAll(async () => {
    home = await tempHome('w3ai-serving-wire-')
    devnet = await startDevnet({ home: home.dir, nodes: 2, hubPort: 0, logLevel: 'warn', env: { W3AI_TASK_POLL_MS: '200', W3AI_SPOT_CHECK_RATE: '0' } })
    hub = new HubClient({ url: devnet.hubUrl, identity })
    await hub.createAccount({ name: 'wire', encryptionKey: identity.encryptionKey })
    const model = linearModel(layer)
    const cid = (await new StorageClient(hub, identity).put(chunks(model), model.length, { redundancy: { k: 1, n: 2, repairThreshold: 2 } })).cid
    deployments = new DeploymentsClient(hub, identity)
    deploymentId = (await deployments.create({ model: cid, replicas: 1 })).id
    await deployments.waitReady(deploymentId, { timeoutMs: 60_000 })
  }, 120_000)

  afterAll(async () => {
    await devnet?.stop()
    await home?.cleanup()
  }, 60_000)

  it('answers the same through the hub in binary and in JSON, and direct with a ticket', async () => {
    const x = rows(5, 2)
    const binary = await deployments.infer(deploymentId, tensors(x))
    const json = await deployments.infer(deploymentId, tensors(x), { wire: 'json' })
    const direct = await deployments.infer(deploymentId, tensors(x), { direct: true })
    expect(binary.outputs).toEqual(json.outputs)
    expect(direct.outputs).toEqual(json.outputs)
    const expected = denseJs(x, layer).flat()
    json.outputs.y!.data.forEach((v, i) => expect(v as number).toBeCloseTo(expected[i]!, 4))
    const typed = await deployments.inferTensors(deploymentId, tensors(x))
    expect(typed.outputs.y!.data).toBeInstanceOf(Float32Array)
    expect(Array.from(typed.outputs.y!.data as Float32Array)).toEqual(json.outputs.y!.data)
  }, 60_000)

  it('refuses a malformed frame through the hub with TENSOR_FRAME_MALFORMED and keeps serving', async () => {
    const good = encodeTensorFrame(tensors(rows(1, 1)))
    for (const body of [good.subarray(0, good.length - 4), Uint8Array.from([...good, 1, 2, 3, 4, 5, 6, 7, 8]), new TextEncoder().encode('W3TF garbage')]) {
      expect(await codeOf(hub.requestBytes('POST', `/v1/deployments/${deploymentId}/infer`, { contentType: TENSOR_FRAME_TYPE, body }))).toBe('TENSOR_FRAME_MALFORMED')
    }
    const answer = await hub.requestBytes('POST', `/v1/deployments/${deploymentId}/infer`, { contentType: TENSOR_FRAME_TYPE, body: good }, { headers: { accept: TENSOR_FRAME_TYPE } })
    expect(decodeTensorFrame(answer.body).tensors.y!.dims).toEqual([1, 3])
  }, 60_000)

  it('gives tickets to the owner only, refuses them for order-paid calls, and the node counts their calls', async () => {
    const stranger = generateIdentity('account')
    const other = new HubClient({ url: devnet.hubUrl, identity: stranger })
    await other.createAccount({ name: 'stranger', encryptionKey: stranger.encryptionKey })
    expect(await codeOf(new DeploymentsClient(other, stranger).ticket(deploymentId))).toBe('DEPLOYMENT_NOT_FOUND')
    expect(await codeOf(new DeploymentsClient(other, stranger).infer(deploymentId, tensors(rows(1, 1)), { direct: true }))).toBe('DEPLOYMENT_NOT_FOUND')
    expect(await codeOf(deployments.infer(deploymentId, tensors(rows(1, 1)), { direct: true, order: 'o_0123456789abcdef' }))).toBe('TICKET_REFUSED')
    expect(await codeOf(deployments.ticket(deploymentId, { calls: 0 }))).toBe('VALIDATION_FAILED')

    const grant = await deployments.ticket(deploymentId, { calls: 1, ttlSeconds: 60 })
    expect(grant).toMatchObject({ deploymentId, calls: 1 })
    const call = (as = identity) => {
      const body = encodeTensorFrame(tensors(rows(1, 3)))
      const path = `/v1/serve/${deploymentId}`
      return fetch(grant.endpoint + path, { method: 'POST', body: Buffer.from(body), headers: { 'content-type': TENSOR_FRAME_TYPE, [TICKET_HEADER]: grant.ticket, ...signRequest(as, 'POST', path, body) } })
    }
    const refusal = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code
    expect(await refusal(await call(stranger))).toBe('TICKET_WRONG_CALLER')
    expect((await call()).status).toBe(200)
    expect(await refusal(await call())).toBe('TICKET_EXHAUSTED')
  }, 60_000)
})
