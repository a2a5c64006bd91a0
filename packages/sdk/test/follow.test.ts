import { generateIdentity } from '@w3ai/crypto'
import { describe, expect, it } from 'vitest'
import { DeploymentsClient, HubClient, JobsClient, putPiece, retryingPut } from '../src/index.js'
import { hangUp, json, servedPerTest } from './fake-server.js'

const serve = servedPerTest()

const identity = generateIdentity('account')
const noWait = async (): Promise<void> => undefined

describe('waits keep following through a hub outage', () => {
  it('job wait resumes after the hub drops more requests than one call retries', async () => {
    // One answer, then five dropped connections (more than the two attempts a call makes), then done.
    const hub = await serve((_req, res, n) => {
      if (n >= 2 && n <= 6) return hangUp(res)
      json(res, 200, { id: 'j_1', status: n === 1 ? 'running' : 'succeeded', history: [], result: n === 1 ? null : { ok: true } })
    })
    const client = new JobsClient(new HubClient({ url: hub.url, identity, retry: { attempts: 2, sleep: noWait } }), identity)
    const unreachable: string[] = []
    const statuses: string[] = []
    const job = await client.wait('j_1', {
      intervalMs: 1,
      onUpdate: (j) => statuses.push(j.status),
      follow: { sleep: noWait, onUnreachable: (e) => unreachable.push(e.code) },
    })
    expect(job.status).toBe('succeeded')
    expect(statuses).toEqual(['running', 'succeeded'])
    expect(unreachable).toEqual(['HUB_UNREACHABLE', 'HUB_UNREACHABLE'])
    expect(hub.seen).toHaveLength(7)
  })

  it('deployment waitReady resumes the same way', async () => {
    const hub = await serve((_req, res, n) => {
      if (n === 2 || n === 3) return hangUp(res)
      json(res, 200, { id: 'd_1', status: n === 1 ? 'loading' : 'ready', replicas: [] })
    })
    const client = new DeploymentsClient(new HubClient({ url: hub.url, identity, retry: { attempts: 1 } }), identity)
    const d = await client.waitReady('d_1', { intervalMs: 1, follow: { sleep: noWait } })
    expect(d.status).toBe('ready')
    expect(hub.seen).toHaveLength(4)
  })
})

describe('piece uploads retry piece by piece', () => {
  const receipt = { receipt: { v: 1, pieceCid: 'bafk', nodeId: 'n_1', size: 3, merkleRoot: 'ab', storedAt: 1 }, signature: 'sig' }
  const target = (url: string) => ({ cid: 'bafk', endpoint: url, order: { order: {} as never, signature: 'x' } })

  it('a dropped PUT is sent again to the same node, and only that piece', async () => {
    const node = await serve((_req, res, n) => (n === 1 ? hangUp(res) : json(res, 201, receipt)))
    const put = retryingPut(putPiece, { sleep: noWait })
    expect(await put(target(node.url), new Uint8Array([1, 2, 3]))).toEqual(receipt)
    expect(node.seen.map((s) => [s.method, s.body.length])).toEqual([
      ['PUT', 3],
      ['PUT', 3],
    ])
  })

  it("a node's refusal is final, and an aborted segment stops retrying", async () => {
    const node = await serve((_req, res) => json(res, 403, { error: { code: 'STORAGE_ORDER_INVALID', message: 'spent' } }))
    const put = retryingPut(putPiece, { sleep: noWait })
    await expect(put(target(node.url), new Uint8Array([1]))).rejects.toMatchObject({ code: 'STORAGE_ORDER_INVALID' })
    expect(node.seen).toHaveLength(1)

    const dropping = await serve((_req, res) => hangUp(res))
    const abort = new AbortController()
    const stopping = retryingPut(putPiece, { sleep: async () => abort.abort() })
    await expect(stopping(target(dropping.url), new Uint8Array([1]), abort.signal)).rejects.toThrow()
    expect(dropping.seen).toHaveLength(1)
  })
})
