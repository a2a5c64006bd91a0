import { randomBytes } from 'node:crypto'
import { generateIdentity, sealResult, unwrapKey, wrapKey } from '@w3ai/crypto'
import { W3aiError, type Job, type Pipeline, type PipelineSegment } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { heCodec, HubClient, keyCodec, PipelinesClient, segmentRanges, type HeClientLike } from '../src/index.js'
import { json, servedPerTest, type Seen } from './fake-server.js'

const serve = servedPerTest()
const owner = generateIdentity('account')
const node = generateIdentity('node')

/** Storage kept in memory: put answers cid-N. */
function memoryStorage() {
  const objects = new Map<string, { bytes: Buffer; name: string | undefined }>()
  return {
    objects,
    async put(source: AsyncIterable<Uint8Array>, _size: number, options: { name?: string } = {}) {
      const parts: Buffer[] = []
      for await (const c of source) parts.push(Buffer.from(c))
      const cid = `cid-${objects.size}`
      objects.set(cid, { bytes: Buffer.concat(parts), name: options.name })
      return { cid } as never
    },
  }
}

interface FakeSegment {
  rows: number
  input: string
  jobId: string
  result: string | null
  decrypted: boolean
}

/**
 * The hub's pipeline, job and object routes in memory, and a node that runs `compute` over each
 * segment's stored input once its keys arrive. Jobs finish in reverse order, one per pipeline poll,
 * so results come back out of input order.
 */
async function fakeHub(storage: ReturnType<typeof memoryStorage>, compute: (input: Buffer, jobId: string) => unknown, fail?: number) {
  let pipeline: Omit<Pipeline, 'segments' | 'status'> & { segments: number } | undefined
  const segments = new Map<number, FakeSegment>()
  const jobs = new Map<string, Job>()
  const keysSeen: Array<{ nodeId: string; cid: string; opens: boolean }> = []
  const job = (id: string, status: string, result: unknown = null, error: unknown = null): Job =>
    ({ id, owner: 'a_1', executor: 'onnx', status, replicas: 1, inputs: {}, createdAt: '', finishedAt: null, result, error, verification: null, history: [] })
  const view = (): Pipeline => {
    const segs: PipelineSegment[] = []
    for (let index = 0; index < pipeline!.segments; index++) {
      const s = segments.get(index)
      const status = s === undefined ? undefined : jobs.get(s.jobId)!.status
      const stage = s === undefined ? 'encrypt' : status === 'awaiting-keys' ? 'allocate' : status === 'queued' ? 'compute' : status === 'failed' ? 'failed' : s.decrypted ? 'done' : 'collect'
      const error = status === 'failed' ? jobs.get(s!.jobId)!.error : null
      const pending = { encrypt: 'pending', segment: 'pending', allocate: 'pending', compute: 'pending', collect: 'pending' } as const
      segs.push({ index, rows: s?.rows ?? null, input: s?.input ?? null, jobId: s?.jobId ?? null, nodeId: s === undefined ? null : node.id, attempts: 1, stage, stages: pending, result: s?.result ?? null, error })
    }
    const stages = segs.map((s) => s.stage)
    const status = stages.includes('failed') ? 'failed' : stages.every((s) => s === 'done') ? 'succeeded' : stages.includes('encrypt') ? 'encrypting' : stages.every((s) => s === 'collect' || s === 'done') ? 'collecting' : 'running'
    return { ...pipeline!, status, segments: segs }
  }
  /** Once every segment's job is released, runs the highest-numbered queued one (reverse order). */
  const finishOne = (): void => {
    if (segments.size < pipeline!.segments || [...segments.values()].some((s) => jobs.get(s.jobId)!.status === 'awaiting-keys')) return
    const queued = [...segments.entries()].filter(([, s]) => jobs.get(s.jobId)!.status === 'queued').sort(([a], [b]) => b - a)[0]
    if (queued === undefined) return
    const [index, s] = queued
    if (index === fail) {
      jobs.set(s.jobId, job(s.jobId, 'failed', null, { code: 'COMPUTE_SHAPE_MISMATCH', message: 'the model takes 3 features' }))
      return
    }
    const result = compute(storage.objects.get(s.input)!.bytes, s.jobId)
    jobs.set(s.jobId, job(s.jobId, 'succeeded', sealResult(result, owner.encryptionKey, s.jobId)))
  }

  const hub = await serve((req: Seen, res) => {
    const body = req.body === '' ? undefined : (JSON.parse(req.body) as Record<string, unknown>)
    const url = req.url
    let m: RegExpMatchArray | null
    if (req.method === 'POST' && url === '/v1/pipelines') {
      pipeline = { id: 'p_000000000000000000000001', owner: 'a_1', model: body!.model as string, privacy: body!.privacy as 'he', rows: body!.rows as number, keys: (body!.keys as string) ?? null, params: null, createdAt: '', finishedAt: null, segments: body!.segments as number }
      return json(res, 201, view())
    }
    if (req.method === 'GET' && url === `/v1/pipelines/${pipeline?.id}`) {
      finishOne()
      return json(res, 200, view())
    }
    if (req.method === 'POST' && (m = url.match(/^\/v1\/pipelines\/p_\w+\/segments\/(\d+)$/)) !== null) {
      const index = Number(m[1])
      const jobId = `j_${String(index).padStart(24, '0')}`
      segments.set(index, { rows: body!.rows as number, input: body!.input as string, jobId, result: null, decrypted: false })
      jobs.set(jobId, job(jobId, 'awaiting-keys'))
      return json(res, 201, { pipelineId: pipeline!.id, index, job: { jobId, status: 'awaiting-keys', inputs: [pipeline!.model, body!.input], candidates: [{ nodeId: node.id, encryptionKey: node.encryptionKey }] } })
    }
    if (req.method === 'POST' && (m = url.match(/^\/v1\/pipelines\/p_\w+\/segments\/(\d+)\/collected$/)) !== null) {
      const s = segments.get(Number(m[1]))!
      // Like the hub: a segment's result is stored once; naming another one is refused.
      if (s.result !== null && s.result !== body!.result) return json(res, 409, { error: { code: 'PIPELINE_INVALID_STATE', message: `collected as ${s.result}` } })
      s.result = body!.result as string
      s.decrypted ||= body!.decrypted as boolean
      return json(res, 200, view())
    }
    if (req.method === 'GET' && (m = url.match(/^\/v1\/storage\/objects\/(.+)$/)) !== null) {
      return json(res, 200, { cid: m[1], wrappedKey: wrapKey(randomBytes(32), owner.encryptionKey) })
    }
    if (req.method === 'POST' && (m = url.match(/^\/v1\/jobs\/(j_\w+)\/keys$/)) !== null) {
      for (const k of (body!.keys as Array<{ nodeId: string; cid: string; wrappedKey: Parameters<typeof unwrapKey>[0] }>)) {
        keysSeen.push({ nodeId: k.nodeId, cid: k.cid, opens: unwrapKey(k.wrappedKey, node).length === 32 })
      }
      jobs.set(m[1]!, job(m[1]!, 'queued'))
      return json(res, 200, jobs.get(m[1]!))
    }
    if (req.method === 'GET' && (m = url.match(/^\/v1\/jobs\/(j_\w+)$/)) !== null) return json(res, 200, jobs.get(m[1]!))
    return json(res, 404, { error: { code: 'VALIDATION_FAILED', message: `no route ${req.method} ${url}` } })
  })
  return { hub, keysSeen, segments, collectedOrder: () => hub.seen.filter((s) => s.url.endsWith('/collected')).map((s) => Number(s.url.split('/').at(-2))) }
}

/** A stand-in model: each row's sum and its double. */
const model = (row: number[]): number[] => [row.reduce((a, b) => a + b, 0), 2 * row.reduce((a, b) => a + b, 0)]

/** The onnx executor's answer for the key codec's input tensor. */
function onnxNode(input: Buffer): unknown {
  const tensor = (JSON.parse(input.toString()) as Record<string, { dims: number[]; data: string }>)['x']!
  const values = new Float32Array(new Uint8Array(Buffer.from(tensor.data, 'base64')).buffer)
  const [rows, features] = tensor.dims as [number, number]
  const data = Array.from({ length: rows }, (_, r) => model(Array.from(values.subarray(r * features, (r + 1) * features)))).flat()
  return { outputs: { y: { type: 'float32', dims: [rows, 2], data } } }
}

const rowsOf = (n: number): number[][] => Array.from({ length: n }, (_, i) => [i, i + 0.5, -i])

describe('segmentRanges', () => {
  it('splits rows into contiguous parts as even as can be, the first ones one row longer', () => {
    expect(segmentRanges(10, 3)).toEqual([[0, 4], [4, 7], [7, 10]])
    expect(segmentRanges(4, 4)).toEqual([[0, 1], [1, 2], [2, 3], [3, 4]])
    expect(segmentRanges(7, 1)).toEqual([[0, 7]])
  })
})

describe('PipelinesClient.run', () => {
  it('answers the outputs in input order though segments finish in reverse, wrapping keys to the chosen node only', async () => {
    const storage = memoryStorage()
    const { hub, keysSeen, collectedOrder } = await fakeHub(storage, onnxNode)
    const client = new PipelinesClient(new HubClient({ url: hub.url, identity: owner }), owner, { storage })
    const rows = rowsOf(10)
    const updates: string[] = []
    const { pipeline, outputs } = await client.run({ model: 'cid-model', privacy: 'key', rows, segments: 3, codec: keyCodec({ inputName: 'x' }), events: false, intervalMs: 1, onUpdate: (p) => updates.push(p.status) })

    expect(pipeline.status).toBe('succeeded')
    expect(collectedOrder()).toEqual([2, 1, 0])
    expect(outputs).toEqual(rows.map(model))
    expect(updates.at(-1)).toBe('succeeded')
    // Each segment's model and input keys went to the job's node, and open there.
    expect(keysSeen).toHaveLength(6)
    expect(keysSeen.every((k) => k.nodeId === node.id && k.opens)).toBe(true)
    // Idempotency keys on the create and each segment post.
    const posts = hub.seen.filter((s) => s.method === 'POST' && /^\/v1\/pipelines(\/p_\w+\/segments\/\d+)?$/.test(s.url))
    expect(posts).toHaveLength(4)
    expect(new Set(posts.map((s) => s.headers['idempotency-key'])).size).toBe(4)
    expect(posts.map((s) => JSON.parse(s.body).rows)).toEqual(expect.arrayContaining([10, 4, 3, 3]))
  })

  it('stores each result still sealed (key) and keeps the hub to CIDs', async () => {
    const storage = memoryStorage()
    const { hub, segments } = await fakeHub(storage, onnxNode)
    const client = new PipelinesClient(new HubClient({ url: hub.url, identity: owner }), owner, { storage })
    await client.run({ model: 'cid-model', privacy: 'key', rows: rowsOf(4), segments: 2, codec: keyCodec({ inputName: 'x' }), events: false, intervalMs: 1 })
    for (const s of segments.values()) {
      const stored = JSON.parse(storage.objects.get(s.result!)!.bytes.toString()) as Record<string, unknown>
      expect(Object.keys(stored)).toEqual(['sealed'])
    }
  })

  it('runs he segments through the HE client: evaluation keys stored once and named on create, ciphertexts stored as results', async () => {
    // A stand-in HE client: "ciphertexts" are JSON, enough to follow the bytes through the run.
    const he: HeClientLike = {
      evaluationKeys: () => Buffer.from('evaluation keys'),
      encryptRows: (rows) => Buffer.from(JSON.stringify(rows)),
      decryptOutputs: (bytes) => (JSON.parse(Buffer.from(bytes).toString()) as number[][]).map((r) => Float64Array.from(r)),
    }
    const storage = memoryStorage()
    const heNode = (input: Buffer): unknown => ({ output: Buffer.from(JSON.stringify((JSON.parse(input.toString()) as number[][]).map(model))).toString('base64'), rows: 0, outputs: 2, clientSigmoid: false, keyId: 'k' })
    const { hub, segments } = await fakeHub(storage, heNode)
    const client = new PipelinesClient(new HubClient({ url: hub.url, identity: owner }), owner, { storage })
    const rows = rowsOf(9)
    const { outputs } = await client.run({ model: 'cid-model', privacy: 'he', rows, segments: 4, codec: heCodec(he, { features: 3, outputs: 2, clientSigmoid: false, needsRelinKeys: false }), events: false, intervalMs: 1 })

    expect(outputs).toEqual(rows.map(model))
    const create = JSON.parse(hub.seen.find((s) => s.method === 'POST' && s.url === '/v1/pipelines')!.body) as { keys: string }
    expect(storage.objects.get(create.keys)!.bytes.toString()).toBe('evaluation keys')
    expect([...storage.objects.values()].filter((o) => o.bytes.toString() === 'evaluation keys')).toHaveLength(1)
    const first = segments.get(0)!
    expect(JSON.parse(storage.objects.get(first.result!)!.bytes.toString())).toEqual(rows.slice(0, 3).map(model))
  })

  it("fails with the failed segment's job error", async () => {
    const storage = memoryStorage()
    const { hub } = await fakeHub(storage, onnxNode, 1)
    const client = new PipelinesClient(new HubClient({ url: hub.url, identity: owner }), owner, { storage })
    const run = client.run({ model: 'cid-model', privacy: 'key', rows: rowsOf(6), segments: 3, codec: keyCodec({ inputName: 'x' }), events: false, intervalMs: 1 })
    await expect(run).rejects.toBeInstanceOf(W3aiError)
    await expect(run).rejects.toMatchObject({ code: 'COMPUTE_SHAPE_MISMATCH', details: { index: 1 } })
  })

  it('refuses a codec made for another privacy level before anything is sent', async () => {
    const storage = memoryStorage()
    const { hub } = await fakeHub(storage, onnxNode)
    const client = new PipelinesClient(new HubClient({ url: hub.url, identity: owner }), owner, { storage })
    await expect(client.run({ model: 'cid-model', privacy: 'he', rows: rowsOf(2), codec: keyCodec(), events: false })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    expect(hub.seen).toEqual([])
  })
})

describe('PipelinesClient.submit and collect', () => {
  it('submits in one client and collects in another: outputs in input order, each segment collected once', async () => {
    const storage = memoryStorage()
    const { hub, collectedOrder } = await fakeHub(storage, onnxNode)
    const submitter = new PipelinesClient(new HubClient({ url: hub.url, identity: owner }), owner, { storage })
    const rows = rowsOf(10)
    const { pipeline, ranges } = await submitter.submit({ model: 'cid-model', privacy: 'key', rows, segments: 3, codec: keyCodec({ inputName: 'x' }) })
    expect(ranges).toEqual([[0, 4], [4, 7], [7, 10]])
    expect(pipeline.segments.map((s) => s.rows)).toEqual([4, 3, 3])
    expect(pipeline.segments.every((s) => s.jobId !== null)).toBe(true)
    expect(collectedOrder()).toEqual([])

    // Another process: the same account, no rows, a codec that only decodes.
    const collector = new PipelinesClient(new HubClient({ url: hub.url, identity: owner }), owner, { storage })
    const { pipeline: done, outputs } = await collector.collect(pipeline.id, keyCodec(), { events: false, intervalMs: 1 })
    expect(done.status).toBe('succeeded')
    expect(outputs).toEqual(rows.map(model))
    expect(collectedOrder().sort()).toEqual([0, 1, 2])
  })

  it('collects again without posting twice: done segments are decoded from their jobs, a stored result is named again', async () => {
    const storage = memoryStorage()
    const { hub, segments, collectedOrder } = await fakeHub(storage, onnxNode)
    const client = new PipelinesClient(new HubClient({ url: hub.url, identity: owner }), owner, { storage })
    const rows = rowsOf(6)
    const { pipeline } = await client.submit({ model: 'cid-model', privacy: 'key', rows, segments: 2, codec: keyCodec({ inputName: 'x' }) })
    const first = await client.collect(pipeline.id, keyCodec(), { events: false, intervalMs: 1 })
    const stored = storage.objects.size

    const again = await client.collect(pipeline.id, keyCodec(), { events: false, intervalMs: 1 })
    expect(again.outputs).toEqual(first.outputs)
    expect(again.pipeline.status).toBe('succeeded')
    expect(collectedOrder()).toHaveLength(2)
    expect(storage.objects.size).toBe(stored)

    // A collect that stored segment 0's result but did not open it: the next names the same result.
    const half = segments.get(0)!
    half.decrypted = false
    const resumed = await client.collect(pipeline.id, keyCodec(), { events: false, intervalMs: 1 })
    expect(resumed.outputs).toEqual(rows.map(model))
    expect(collectedOrder().sort()).toEqual([0, 0, 1])
    expect(storage.objects.size).toBe(stored)
    expect(half.decrypted).toBe(true)
  })

  it('collect refuses a codec of another privacy level than the pipeline, collecting nothing', async () => {
    const storage = memoryStorage()
    const { hub, collectedOrder } = await fakeHub(storage, onnxNode)
    const client = new PipelinesClient(new HubClient({ url: hub.url, identity: owner }), owner, { storage })
    const he = heCodec({ evaluationKeys: () => Buffer.alloc(0), encryptRows: () => Buffer.alloc(0), decryptOutputs: () => [] }, { features: 3, outputs: 1, clientSigmoid: false, needsRelinKeys: false })
    const { pipeline } = await client.submit({ model: 'cid-model', privacy: 'key', rows: rowsOf(2), codec: keyCodec({ inputName: 'x' }) })
    await expect(client.collect(pipeline.id, he, { events: false, intervalMs: 1 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    expect(collectedOrder()).toEqual([])
  })
})

describe('keyCodec', () => {
  it('writes rows as one float32 tensor [rows, features] and reads rows back from an onnx result', () => {
    const codec = keyCodec()
    const encoded = JSON.parse(Buffer.from(codec.encode([[1, 2], [3, 4], [5, 6]]) as Uint8Array).toString()) as Record<string, { type: string; dims: number[]; data: string }>
    expect(Object.keys(encoded)).toEqual(['input'])
    expect(encoded['input']!.type).toBe('float32')
    expect(encoded['input']!.dims).toEqual([3, 2])
    expect(Array.from(new Float32Array(new Uint8Array(Buffer.from(encoded['input']!.data, 'base64')).buffer))).toEqual([1, 2, 3, 4, 5, 6])
    const result = { outputs: { probs: { type: 'float32', dims: [3], data: [0.5, 0.25, 1] }, logits: { type: 'float32', dims: [3, 1], data: [1, 2, 3] } } }
    expect(codec.decode(Buffer.from(JSON.stringify(result)))).toEqual([[0.5], [0.25], [1]])
    expect(keyCodec({ outputName: 'logits' }).decode(Buffer.from(JSON.stringify(result)))).toEqual([[1], [2], [3]])
  })

  it('refuses ragged rows and a missing output', () => {
    expect(() => keyCodec().encode([[1, 2], [3]])).toThrow(W3aiError)
    expect(() => keyCodec({ outputName: 'nope' }).decode(Buffer.from(JSON.stringify({ outputs: { y: { type: 'float32', dims: [1], data: [1] } } })))).toThrow(/no output "nope"/)
  })
})
