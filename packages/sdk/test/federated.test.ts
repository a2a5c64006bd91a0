import { generateIdentity, idFromPublicKey } from '@w3ai/crypto'
import { W3aiError, type FlTraining } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { decodeParameters, encodeParameters, FederatedClient, FederatedWorkClient, HubClient, parametersFromBytes, parametersToBytes } from '../src/index.js'
import { hangUp, json, servedPerTest } from './fake-server.js'

const serve = servedPerTest()
const owner = generateIdentity('account')
const noWait = async (): Promise<void> => undefined

function codeOf(fn: () => unknown): string {
  try {
    fn()
    return 'returned'
  } catch (err) {
    return err instanceof W3aiError ? err.code : String(err)
  }
}

const training = (over: Partial<FlTraining>): FlTraining => ({
  id: 'fl_000000000000000000000001', owner: 'a_1', name: null, status: 'running', config: { model: {}, datasets: ['d'], rounds: 2 }, clients: [], evaluators: [],
  round: 0, rounds: [], modelReady: false, modelCid: null, error: null, createdAt: '', updatedAt: '', finishedAt: null, ...over,
})
const round = (n: number) => ({ round: n, status: 'completed' as const, participants: 3, dropouts: 0, accuracy: 0.5 + n / 10, loss: 1 / n, metrics: {}, startedAt: '', finishedAt: '' })

describe('parameters on the wire', () => {
  it('round-trips float32 tensors through sizes and base64, bit for bit', () => {
    const tensors = [new Float32Array([1.5, -0, Number.MIN_VALUE, 3.4e38]), new Float32Array(0), new Float32Array([Math.PI])]
    const wire = encodeParameters(tensors)
    expect(wire.sizes).toEqual([4, 0, 1])
    expect(decodeParameters(wire)).toEqual(tensors)
    const { sizes, bytes } = parametersToBytes(tensors)
    expect(bytes.length).toBe(20)
    expect(parametersFromBytes(sizes, bytes)).toEqual(tensors)
  })

  it('refuses sizes that do not add up to the bytes, or data that is not base64, with FL_BAD_UPDATE', () => {
    const wire = encodeParameters([new Float32Array(3)])
    expect(codeOf(() => decodeParameters({ ...wire, sizes: [4] }))).toBe('FL_BAD_UPDATE')
    expect(codeOf(() => decodeParameters({ sizes: [1], data: 'a b' }))).toBe('FL_BAD_UPDATE')
    expect(codeOf(() => decodeParameters({ sizes: [-1], data: '' }))).toBe('FL_BAD_UPDATE')
    expect(codeOf(() => decodeParameters({ sizes: [0.5], data: '' }))).toBe('FL_BAD_UPDATE')
  })
})

describe('FederatedClient', () => {
  it('sends a create again after a lost connection only when it carries an idempotency key', async () => {
    const hub = await serve((_req, res, n) => (n === 1 ? hangUp(res) : json(res, 201, training({}))))
    const fl = new FederatedClient(new HubClient({ url: hub.url, identity: owner, retry: { attempts: 3, sleep: noWait } }))
    expect((await fl.create({ model: {}, datasets: ['d'], rounds: 2, idempotencyKey: 'k1' })).id).toBe('fl_000000000000000000000001')
    expect(hub.seen.map((s) => s.method)).toEqual(['POST', 'POST'])
    const once = await serve((_req, res) => hangUp(res))
    const strict = new FederatedClient(new HubClient({ url: once.url, identity: owner, retry: { attempts: 3, sleep: noWait } }))
    await expect(strict.create({ model: {}, datasets: ['d'], rounds: 2 })).rejects.toMatchObject({ code: 'HUB_UNREACHABLE' })
    expect(once.seen).toHaveLength(1)
  })

  it('waits until the training ends, telling each new round once', async () => {
    const states = [training({}), training({ rounds: [round(1)], round: 1 }), training({ rounds: [round(1)], round: 1 }), training({ status: 'succeeded', rounds: [round(1), round(2)], round: 2, modelReady: true })]
    const hub = await serve((_req, res, n) => json(res, 200, states[Math.min(n - 1, states.length - 1)]))
    const fl = new FederatedClient(new HubClient({ url: hub.url, identity: owner }))
    const told: number[] = []
    const done = await fl.wait('fl_000000000000000000000001', { intervalMs: 1, events: false, onUpdate: (t) => told.push(t.rounds.length) })
    expect(done.status).toBe('succeeded')
    expect(told).toEqual([0, 1, 2])
    expect(hub.seen.every((s) => s.url === '/v1/fl/trainings/fl_000000000000000000000001' && s.headers['x-w3ai-key'] === owner.publicKey)).toBe(true)
  })

  it('gives up waiting at its timeout with FL_INVALID_STATE; the training goes on', async () => {
    const hub = await serve((_req, res) => json(res, 200, training({})))
    const fl = new FederatedClient(new HubClient({ url: hub.url, identity: owner }))
    await expect(fl.wait('fl_000000000000000000000001', { intervalMs: 5, timeoutMs: 30, events: false })).rejects.toMatchObject({ code: 'FL_INVALID_STATE' })
  })

  it('lists a page with its cursor and follows every page', async () => {
    const hub = await serve((req, res) => {
      const cursor = new URL(req.url, 'http://x').searchParams.get('cursor')
      json(res, 200, cursor === null ? { trainings: [training({ id: 'fl_000000000000000000000001' })], nextCursor: 'next' } : { trainings: [training({ id: 'fl_000000000000000000000002' })], nextCursor: null })
    })
    const fl = new FederatedClient(new HubClient({ url: hub.url, identity: owner }))
    const page = await fl.list({ limit: 1 })
    expect([page.map((t) => t.id), page.nextCursor]).toEqual([['fl_000000000000000000000001'], 'next'])
    const all: string[] = []
    for await (const t of fl.all()) all.push(t.id)
    expect(all).toEqual(['fl_000000000000000000000001', 'fl_000000000000000000000002'])
  })

  it('decodes the global parameters and posts the stored model', async () => {
    const hub = await serve((req, res) => (req.method === 'GET' ? json(res, 200, { round: 4, parameters: encodeParameters([new Float32Array([0.25, 2])]) }) : json(res, 200, training({ modelCid: JSON.parse(req.body).cid }))))
    const fl = new FederatedClient(new HubClient({ url: hub.url, identity: owner }))
    expect(await fl.parameters('fl_000000000000000000000001')).toEqual({ round: 4, parameters: [new Float32Array([0.25, 2])] })
    expect((await fl.setModel('fl_000000000000000000000001', 'bafkqaaa')).modelCid).toBe('bafkqaaa')
    expect(hub.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /v1/fl/trainings/fl_000000000000000000000001/parameters', 'POST /v1/fl/trainings/fl_000000000000000000000001/model'])
  })
})

describe('FederatedWorkClient', () => {
  it('signs claims, parameter fetches and answers as the node', async () => {
    const node = generateIdentity('node')
    const hub = await serve((req, res) => {
      if (req.url.endsWith('/claim')) return json(res, 200, { work: [] })
      if (req.method === 'GET') return json(res, 200, { parameters: encodeParameters([new Float32Array([1])]) })
      res.writeHead(204).end()
    })
    const work = new FederatedWorkClient(new HubClient({ url: hub.url, identity: owner }), node)
    expect(await work.claim({ datasets: ['d'] })).toEqual([])
    expect(await work.parameters('flw_1')).toEqual([new Float32Array([1])])
    await work.reply('flw_1', { outcome: 'ok', numExamples: 1 })
    expect(hub.seen.map((s) => idFromPublicKey('node', s.headers['x-w3ai-key'] as string))).toEqual([node.id, node.id, node.id])
  })
})
