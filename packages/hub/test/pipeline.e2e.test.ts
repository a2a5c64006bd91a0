/**
 * Secure pipelines (issue 10) under privacy he on a devnet of three node processes: a segmented
 * encrypted logistic regression completes when the node computing a segment is killed mid-task,
 * and a node that runs he segments receives no plaintext feature value and no secret key: every
 * hub response and request body, heartbeat message, piece, opened input and result it handles,
 * and every file under its home, searched for the rows' values and the SEAL keys.
 */
import dc from 'node:diagnostics_channel'
import type { ClientRequest, IncomingMessage } from 'node:http'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startDevnet, type Devnet } from '@w3ai/cli'
import { compileHeModel, HeClient, heParamsForDepth, evaluatePlain, type HeModel } from '@w3ai/compute/he'
import { generateIdentity, loadOrCreateIdentity, type Identity } from '@w3ai/crypto'
import { createNodeAgent, sandboxExecute, type ExecuteTask } from '@w3ai/node'
import { HEADER_KEY, type ClaimedTask, type Pipeline, type SegmentAnswer } from '@w3ai/protocol'
import { heCodec, HubClient, JobsClient, PipelinesClient, putBytes, StorageClient, type HubClientOptions, type PipelineCodec, type RequestOptions } from '@w3ai/sdk'
import * as ort from 'onnxruntime-node'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readKeys, readSecret } from '../../compute/src/he/wire.js'
import { breastCancerSplit, FEATURES, logisticOnnx, trainLogistic } from '../../compute/test/helpers/breast-cancer.js'
import { storyBackends, dropSchema, freshDatabaseUrl, tempHome, until } from './helpers.js'

/** One piece is a whole copy (k = 1) on two of three nodes: inputs and results outlive one node. */
const REDUNDANCY = { k: 1, n: 2, repairThreshold: 2 }
/** Rows per CKKS block at N = 8192. */
const BLOCK = 4096

const split = breastCancerSplit(1)
const dataset = [...split.train.rows, ...split.test.rows]
const trained = trainLogistic(split.train.rows, split.train.labels)

describe.each(storyBackends())('he pipelines on a devnet of three nodes (%s)', (backend) => {
  const databaseUrl = freshDatabaseUrl(backend)
  let devnet: Devnet
  let home: { dir: string; cleanup: () => Promise<void> }
  let identity: Identity
  let hub: HubClient
  let jobs: JobsClient
  let storage: StorageClient

  beforeAll(async () => {
    home = await tempHome('w3ai-pipeline-e2e-')
    devnet = await startDevnet({
      home: home.dir,
      nodes: 3,
      hubPort: 0,
      logLevel: 'warn',
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
      env: { W3AI_TASK_LEASE_MS: '3000', W3AI_TASK_POLL_MS: '200', W3AI_SPOT_CHECK_RATE: '0', W3AI_TASK_SLOTS: '1' },
    })
    identity = generateIdentity('account')
    hub = new HubClient({ url: devnet.hubUrl, identity })
    await hub.createAccount({ name: 'pipelines', encryptionKey: identity.encryptionKey })
    storage = new StorageClient(hub, identity)
    jobs = new JobsClient(hub, identity)
  }, 120_000)

  afterAll(async () => {
    await devnet?.stop()
    await home?.cleanup()
    if (databaseUrl !== undefined) await dropSchema(databaseUrl)
  }, 60_000)

  const storeModel = (onnx: Uint8Array): Promise<string> => putBytes(storage, onnx, { redundancy: REDUNDANCY, name: 'model.onnx' })

  it('A segmented he pipeline over 3 nodes with one killed mid-way completes by re-dispatch', async () => {
    const onnx = logisticOnnx(trained)
    const model = compileHeModel(onnx)
    const modelCid = await storeModel(onnx)
    // Three segments of two blocks each: a task opens ~8 MB of ciphertexts, long enough to be caught computing.
    const rows = tiled(3 * 2 * BLOCK)
    const he = await HeClient.create(heParamsForDepth(model.depth))
    const pipelines = new PipelinesClient(hub, identity)

    // The node of the first segment seen computing is frozen at once (SIGSTOP: whatever it has not
    // reported by then it never will), then the hub is asked whether the segment is still
    // computing. If it is, the node is killed mid-task; if its result got in first (the freeze
    // came too late), the node is let go (SIGCONT) and the next segment seen computing is taken.
    // So the test does not depend on how long a task lasts on a loaded machine.
    let victim: { index: number; nodeId: string; jobId: string } | undefined
    let pipelineId: string | undefined
    let judging = false
    const tooLate = new Set<string>()
    const consider = async (p: Pipeline): Promise<void> => {
      pipelineId ??= p.id
      if (victim !== undefined || judging) return
      const s = p.segments.find((x) => x.stage === 'compute' && x.nodeId !== null && x.jobId !== null && !tooLate.has(`${x.index}/${x.nodeId}`))
      const node = s === undefined ? undefined : devnet.nodes.find((n) => n.id === s.nodeId && n.alive)
      if (s === undefined || node === undefined) return
      judging = true
      try {
        node.kill('SIGSTOP')
        // A report already on the wire when the node froze still reaches the hub: let it land.
        await new Promise((r) => setTimeout(r, 300))
        const now = (await pipelines.get(p.id)).segments[s.index]!
        if (now.stage === 'compute' && now.nodeId === s.nodeId) {
          node.kill('SIGKILL')
          victim = { index: s.index, nodeId: s.nodeId!, jobId: s.jobId! }
        } else {
          tooLate.add(`${s.index}/${s.nodeId}`)
          node.kill('SIGCONT')
        }
      } finally {
        judging = false
      }
    }
    let running = true
    // The run's own updates come on events; this also looks every 50 ms.
    const watcher = (async () => {
      while (running) {
        if (pipelineId !== undefined) await pipelines.get(pipelineId).then(consider).catch(() => undefined)
        await new Promise((r) => setTimeout(r, 50))
      }
    })()
    try {
      const { pipeline, outputs } = await pipelines.run({
        model: modelCid,
        privacy: 'he',
        rows,
        segments: 3,
        codec: heCodec(he, model),
        put: { redundancy: REDUNDANCY },
        timeoutMs: 150_000,
        onUpdate: (p) => void consider(p).catch(() => undefined),
      })
      expect(pipeline.status).toBe('succeeded')
      expect(victim, 'no segment was caught computing').toBeDefined()
      const killed = pipeline.segments[victim!.index]!
      expect(killed.attempts).toBeGreaterThanOrEqual(2)
      expect(killed.nodeId).not.toBe(victim!.nodeId)
      expect(killed.nodeId).not.toBeNull()
      const history = (await jobs.get(victim!.jobId)).history
      expect(history.some((e) => e.kind === 'leased' && e.nodeId === victim!.nodeId)).toBe(true)
      expect(history.map((e) => e.kind)).toContain('expired')
      expect(history.filter((e) => e.kind === 'succeeded')).toHaveLength(1)
      expect(history.find((e) => e.kind === 'succeeded')!.nodeId).not.toBe(victim!.nodeId)
      expect(pipeline.segments.map((s) => s.stage)).toEqual(['done', 'done', 'done'])

      const want = await onnxruntime(onnx, rows)
      expect(outputs).toHaveLength(rows.length)
      const close = outputs.filter((o, i) => o.length === 1 && Math.abs(o[0]! - want[i]!) < 1e-3).length
      expect(close / rows.length).toBeGreaterThanOrEqual(0.999)
    } finally {
      running = false
      await watcher
      he.close()
    }
  }, 240_000)

  it('Every message and file an executing node receives in a he pipeline holds no plaintext feature value, and the node has no secret key', async () => {
    // Only live nodes can be candidates; the one killed above must be known to be gone first.
    for (const n of devnet.nodes.filter((x) => !x.alive)) await devnet.waitForStatus(n.id, 'offline', 30_000)
    // The cubic sigmoid on the node: depth 3, so the node also gets relinearization keys (made
    // from the secret key, public material) and the check below that it holds no secret key bites.
    const damped = { weights: trained.weights.map((w) => w / 4), bias: trained.bias / 4 }
    const onnx = logisticOnnx(damped)
    const model = compileHeModel(onnx, { sigmoid: 'poly' })
    expect(model).toMatchObject({ clientSigmoid: false, needsRelinKeys: true })
    const modelCid = await storeModel(onnx)
    const rows = dataset.map((r) => Array.from(r))
    const he = await HeClient.create(heParamsForDepth(model.depth))
    const exported = he.exportSecret()

    const recorderHome = join(home.dir, 'recorder')
    const { identity: nodeIdentity } = await loadOrCreateIdentity(recorderHome, 'node')
    const heard: Haystack[] = []
    const tasks: ClaimedTask[] = []
    const opened: Array<{ taskId: string; role: string; bytes: Buffer }> = []
    const record: ExecuteTask = async (task, context) => {
      tasks.push(task)
      heard.push({ label: `claimed task ${task.id}`, bytes: Buffer.from(JSON.stringify(task)) })
      const open = async (role: string): Promise<Buffer | undefined> => {
        const bytes = await context.open(role)
        if (bytes !== undefined) opened.push({ taskId: task.id, role, bytes })
        return bytes
      }
      const result = await sandboxExecute(task, { ...context, open })
      heard.push({ label: `result of ${task.id}`, bytes: Buffer.from(JSON.stringify(result)) })
      return result
    }
    const unrecord = [recordHubFetches(nodeIdentity.publicKey, heard), recordHeartbeatMessages(heard), recordPieceDownloads(heard)]
    const recorder = createNodeAgent(
      { hubUrl: devnet.hubUrl, home: recorderHome, diskGb: 20, region: 'eu-west', location: { lat: 48.85, lon: 2.35 }, logLevel: 'warn', tasks: { slots: 1, pollMs: 200 } },
      { execute: record },
    )
    let sentKeys: Uint8Array | undefined
    try {
      await recorder.start()
      await until(async () => (await hub.getNode(recorder.id)).status === 'online', 30_000)
      const codec = heCodec(he, model)
      const recordingCodec: PipelineCodec = { ...codec, keys: () => (sentKeys = codec.keys!()) }
      const pipelines = new PipelinesClient(new KeysOnlyTo({ url: devnet.hubUrl, identity }, recorder.id), identity)
      const { pipeline, outputs } = await pipelines.run({ model: modelCid, privacy: 'he', rows, segments: 2, codec: recordingCodec, params: { sigmoid: 'poly' }, put: { redundancy: REDUNDANCY }, timeoutMs: 120_000 })
      expect(pipeline.status).toBe('succeeded')
      expect(pipeline.segments.map((s) => s.nodeId)).toEqual([recorder.id, recorder.id])
      outputs.forEach((o, i) => expect(Math.abs(o[0]! - evaluatePlain(model, rows[i]!)[0]!), `row ${i}`).toBeLessThan(1e-3))
    } finally {
      await recorder.stop()
      for (const stop of unrecord) stop()
      he.close()
    }

    // What the node ran and opened: the he tasks of this pipeline, each with the model, the
    // ciphertexts and the evaluation keys exactly as the owner made them (public material).
    expect(tasks.map((t) => t.executor)).toEqual(['he', 'he'])
    expect(opened.map((o) => o.role).sort()).toEqual(['input', 'input', 'keys', 'keys', 'model', 'model'])
    const secret = readSecret(exported)
    for (const keys of opened.filter((o) => o.role === 'keys')) {
      expect(Buffer.from(keys.bytes).equals(Buffer.from(sentKeys!))).toBe(true)
      const content = readKeys(keys.bytes)
      expect(content.keyId).toBe(he.keyId)
      expect(content.relinKeys).toBeDefined()
    }
    for (const o of opened) heard.push({ label: `opened ${o.role} of ${o.taskId}`, bytes: o.bytes })
    const files = await filesUnder(recorderHome)
    expect(files.length).toBeGreaterThan(0)
    const haystacks = expand([...heard, ...files])
    // The recorders saw traffic of every kind (else the search below would prove nothing).
    for (const kind of ['hub response', 'hub request', 'heartbeat message', 'piece', 'claimed task', 'result of', 'opened input']) {
      expect(haystacks.some((h) => h.label.startsWith(kind)), kind).toBe(true)
    }

    // No key material that could decrypt: neither the exported secret, nor any 32-byte window of
    // the SEAL secret or public key (both uniformly random in NTT form) appear anywhere.
    const keyNeedles = [Buffer.from(exported), ...windows(secret.secretKey), ...windows(secret.publicKey)]
    const keyHits = haystacks.flatMap((h) => (keyNeedles.some((k) => h.bytes.indexOf(k) >= 0) ? [h.label] : []))
    expect(keyHits).toEqual([])

    const values = new FeatureValues(rows)
    const control = expand([
      { label: 'plaintext csv', bytes: Buffer.from(rows.map((r) => r.join(',')).join('\n')) },
      { label: 'plaintext float64', bytes: Buffer.from(Float64Array.from(rows.flat()).buffer) },
      { label: 'plaintext float32 row 0', bytes: Buffer.from(Float32Array.from(rows[0]!).buffer) },
    ])
    // The search finds every value where the plaintext is: it works.
    expect(values.search(control[0]!).decimal).toBe(values.distinctDecimals)
    expect(values.search(control[1]!).float64).toBe(values.distinct64)
    expect(values.search(control[2]!).float32).toBeGreaterThanOrEqual(new Set(rows[0]!.map(Math.fround)).size)
    const leaks = haystacks.map((h) => ({ label: h.label, ...values.search(h) })).filter((h) => h.float64 + h.float32 + h.decimal > 0)
    expect(leaks).toEqual([])
  }, 240_000)
})

/** The dataset tiled to `count` rows, each copy scaled a little differently so no two segments hold the same rows. */
function tiled(count: number): number[][] {
  return Array.from({ length: count }, (_, i) => {
    const scale = 1 + (((i * 7919) % 101) - 50) / 5000
    return Array.from(dataset[i % dataset.length]!, (v) => v * scale)
  })
}

/** onnxruntime's probability per row (the model's one output). */
async function onnxruntime(onnx: Uint8Array, rows: number[][]): Promise<number[]> {
  const session = await ort.InferenceSession.create(onnx)
  try {
    const x = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, FEATURES])
    const out = await session.run({ [session.inputNames[0]!]: x })
    return Array.from(out[session.outputNames[0]!]!.data as Float32Array)
  } finally {
    await session.release()
  }
}

/**
 * The owner's hub client, except that each segment's input keys are wrapped to one node: the
 * owner may give the keys to any of the candidates the hub names, and only a node holding them
 * can claim the segment, so every he task of the pipeline goes to that node.
 */
class KeysOnlyTo extends HubClient {
  constructor(
    options: HubClientOptions,
    private readonly nodeId: string,
  ) {
    super(options)
  }

  override async request<T>(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    const answer = await super.request<T>(method, path, body, options)
    if (method !== 'POST' || !/^\/v1\/pipelines\/[^/]+\/segments\/\d+$/.test(path)) return answer
    const { job } = answer as SegmentAnswer
    if (!job.candidates.some((c) => c.nodeId === this.nodeId)) throw new Error(`node ${this.nodeId} is not a candidate of ${JSON.stringify(job)}`)
    return { ...answer, job: { ...job, candidates: job.candidates.filter((c) => c.nodeId === this.nodeId) } } as T
  }
}

interface Haystack {
  label: string
  bytes: Buffer
}

/** Records the bodies of every hub request signed by `publicKey` (the node's) and of the hub's answers. */
function recordHubFetches(publicKey: string, sink: Haystack[]): () => void {
  const original = globalThis.fetch
  globalThis.fetch = async (input, init) => {
    const res = await original(input, init)
    if (new Headers(init?.headers).get(HEADER_KEY) !== publicKey) return res
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname
    if (init?.body !== undefined && init.body !== null) sink.push({ label: `hub request ${init.method ?? 'GET'} ${path}`, bytes: Buffer.from(String(init.body)) })
    sink.push({ label: `hub response ${path}`, bytes: Buffer.from(await res.clone().arrayBuffer()) })
    return res
  }
  return () => {
    globalThis.fetch = original
  }
}

/** Records what the hub says on node heartbeat sockets (in this process only the recorder has one). */
function recordHeartbeatMessages(sink: Haystack[]): () => void {
  const proto = WebSocket.prototype as unknown as { emit(this: WebSocket, event: string | symbol, ...args: unknown[]): boolean }
  const original = proto.emit
  proto.emit = function (this: WebSocket, event, ...args) {
    if (event === 'message' && this.url.endsWith('/v1/nodes/heartbeat')) {
      const data = args[0] as Buffer | ArrayBuffer | Buffer[]
      sink.push({ label: 'heartbeat message', bytes: Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer) })
    }
    return original.call(this, event, ...args)
  }
  return () => {
    proto.emit = original
  }
}

/**
 * Records every piece fetched over HTTP (node:http, not fetch) while it runs: in this process only
 * the recorder fetches pieces (the owner's run uploads, it does not download).
 */
function recordPieceDownloads(sink: Haystack[]): () => void {
  const onResponse = (message: unknown): void => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage }
    if (request.method !== 'GET' || !request.path.startsWith('/v1/pieces/')) return
    const parts: Buffer[] = []
    response.on('data', (c: Buffer) => parts.push(c))
    response.on('end', () => sink.push({ label: `piece ${request.path}`, bytes: Buffer.concat(parts) }))
  }
  dc.subscribe('http.client.response.finish', onResponse)
  return () => dc.unsubscribe('http.client.response.finish', onResponse)
}

/** Every file under `dir`. */
async function filesUnder(dir: string): Promise<Haystack[]> {
  const out: Haystack[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await filesUnder(path)))
    else if (entry.isFile()) out.push({ label: `file ${path}`, bytes: await readFile(path) })
  }
  return out
}

const BASE64 = /^[A-Za-z0-9+/_-]{24,}={0,2}$/

/** The haystacks and, for JSON ones, every long base64 string in them decoded (ciphertexts, results, keys travel so). */
function expand(list: readonly Haystack[]): Haystack[] {
  const out: Haystack[] = []
  for (const h of list) {
    out.push(h)
    let parsed: unknown
    try {
      parsed = JSON.parse(h.bytes.toString('utf8'))
    } catch {
      continue
    }
    const walk = (v: unknown, at: string): void => {
      if (typeof v === 'string' && BASE64.test(v)) out.push({ label: `${h.label} ${at} (base64)`, bytes: Buffer.from(v, 'base64') })
      else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`))
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`)
    }
    walk(parsed, '')
  }
  return out
}

/**
 * 32-byte windows spread over a SEAL key's coefficients. Its first 256 bytes are left out: SEAL's
 * nested headers (parms id, sizes, scale 1.0, the inner array's header) are up to ~120 bytes and
 * the same in every object of one context, so the relinearization keys carry them too.
 */
function windows(key: Uint8Array, count = 16): Buffer[] {
  const from = 256
  const span = key.byteLength - from - 32
  return Array.from({ length: count }, (_, i) => {
    const at = from + Math.floor((span * i) / (count - 1))
    return Buffer.from(key.subarray(at, at + 32))
  })
}

/**
 * The rows' values as a node could see them: float64 little-endian bytes (how a client would
 * send raw rows), float32 bytes (the onnx tensors of privacy key), and decimal text as the rows'
 * CSV writes them (String(v)).
 *
 * Random hits: an 8-byte needle in H bytes of ciphertext is found by chance with probability about
 * H / 2^64 per value: ~10^4 values in ~10^8 bytes make 10^-7, never. A 4-byte needle is found
 * with probability H / 2^32 per value: ~1.7·10^4 distinct values in the ~4 MB of one segment's
 * ciphertexts would make ~16 hits by chance, so float32 is searched only where the expected
 * number of chance hits, values × H / 2^32, is below 10^-3 (haystacks under ~250 bytes: hub
 * answers and requests without ciphertexts). A decimal needle is 17 or more characters of digits
 * and a point: binary data holds such a run by chance with probability below 10^-16 per offset.
 */
class FeatureValues {
  readonly distinct64: number
  readonly distinctDecimals: number
  private readonly f64 = new Map<number, Buffer[]>()
  /** One bit per value of a needle's first 3 bytes: most offsets are passed over without a lookup. */
  private readonly head = new Uint8Array(2 ** 21)
  private readonly f32: Set<number>
  private readonly decimals: Set<string>

  constructor(rows: readonly number[][]) {
    const values = rows.flat()
    const bytes64 = new Map(values.map((v) => {
      const b = Buffer.alloc(8)
      b.writeDoubleLE(v)
      return [b.toString('hex'), b] as const
    }))
    for (const b of bytes64.values()) {
      const key = headKey(b, 0)
      this.f64.set(key, [...(this.f64.get(key) ?? []), b])
      const h = b[0]! | (b[1]! << 8) | (b[2]! << 16)
      this.head[h >>> 3]! |= 1 << (h & 7)
    }
    this.distinct64 = bytes64.size
    this.f32 = new Set(values.map((v) => Buffer.from(Float32Array.of(v).buffer).readUInt32LE(0)))
    // Unsigned, so a value found with either sign counts.
    this.decimals = new Set(values.map((v) => String(Math.abs(v))))
    this.distinctDecimals = this.decimals.size
    expect(Math.min(...[...this.decimals].map((d) => d.length))).toBeGreaterThanOrEqual(12)
  }

  /** Distinct values found in the haystack, per form (float32 only where chance hits are implausible). */
  search(h: Haystack): { float64: number; float32: number; decimal: number } {
    const b = h.bytes
    const found64 = new Set<Buffer>()
    for (let i = 0; i + 8 <= b.length; i++) {
      const h = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16)
      if ((this.head[h >>> 3]! & (1 << (h & 7))) === 0) continue
      const candidates = this.f64.get(headKey(b, i))
      if (candidates === undefined) continue
      for (const c of candidates) if (b.compare(c, 0, 8, i, i + 8) === 0) found64.add(c)
    }
    const found32 = new Set<number>()
    if ((this.f32.size * b.length) / 2 ** 32 < 1e-3) {
      for (let i = 0; i + 4 <= b.length; i++) if (this.f32.has(b.readUInt32LE(i))) found32.add(b.readUInt32LE(i))
    }
    const foundText = new Set<string>()
    for (const m of b.toString('latin1').matchAll(/\d+\.\d+(?:e-\d+)?/g)) if (this.decimals.has(m[0])) foundText.add(m[0])
    return { float64: found64.size, float32: found32.size, decimal: foundText.size }
  }
}

/** The first 6 bytes at `at` as a number: the index key of an 8-byte needle. */
function headKey(b: Buffer, at: number): number {
  return b.readUInt32LE(at) + b.readUInt16LE(at + 4) * 2 ** 32
}
