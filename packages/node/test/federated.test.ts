import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { W3aiError, type FlWork, type FlWorkReply } from '@w3ai/protocol'
import { decodeParameters } from '@w3ai/sdk'
import { SECAGG_STAGES, SecAggClient, SecAggServer } from '@w3ai/federated'
import { decryptMean, generateJobKeys } from '@w3ai/federated/he'
import { generateIdentity, wrapKey } from '@w3ai/crypto'
import { randomBytes } from 'node:crypto'
import { sealParameters } from '@w3ai/sdk'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FlHost, Participant, type FlClientPayload, type LocalDataset } from '../src/index.js'

const SPEC = {
  inputShape: [64],
  layers: [{ type: 'dense', units: 10, activation: 'softmax' }],
  optimizer: { type: 'adam', learningRate: 0.05 },
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
  batchSize: 32,
}
const never = new AbortController().signal
const limits = { timeMs: 60_000, memoryMb: 1024 }

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'resolved'
  } catch (err) {
    return err instanceof W3aiError ? err.code : String(err)
  }
}

describe('the federated host (TF.js in a long-lived sandboxed child)', { timeout: 120_000 }, () => {
  let host: FlHost
  let csv: Buffer
  beforeAll(async () => {
    host = new FlHost({ memoryMb: 1024 })
    // The first 400 rows of the digits dataset, label last.
    const all = gunzipSync(await readFile(new URL('../../compute/data/digits.csv.gz', import.meta.url))).toString('utf8').trim().split('\n')
    csv = Buffer.from(all.slice(0, 400).join('\n') + '\n')
  })
  afterAll(async () => host?.close())

  const base = (over: Partial<FlClientPayload>): FlClientPayload => ({ kind: 'train', spec: SPEC, inputScale: 1 / 16, localEpochs: 3, seed: 7, round: 1, clientId: 'n/a', ...over })

  it('builds the seeded initial model, trains from given parameters, and evaluates them', async () => {
    const init = await host.run(base({ kind: 'init' }), limits, never)
    expect(init.parameters?.map((p) => p.length)).toEqual([640, 10])
    const again = await host.run(base({ kind: 'init' }), limits, never)
    expect(again.parameters).toEqual(init.parameters)
    const dataset = { format: 'csv' as const, bytes: csv }
    const before = await host.run(base({ kind: 'evaluate', dataset, parameters: init.parameters! }), limits, never)
    const trained = await host.run(base({ dataset, parameters: init.parameters! }), limits, never)
    expect(trained.numExamples).toBe(400)
    expect(trained.metrics.accuracy).toBeGreaterThan(0.5)
    const after = await host.run(base({ kind: 'evaluate', dataset, parameters: trained.parameters! }), limits, never)
    expect(after.loss).toBeLessThan(before.loss!)
    expect(after.metrics.accuracy).toBeGreaterThan(before.metrics.accuracy!)
    // The same seed, round and client shuffle alike: training is reproducible.
    const twice = await host.run(base({ dataset, parameters: init.parameters! }), limits, never)
    expect(twice.parameters).toEqual(trained.parameters)
  })

  it('trains with a FedProx proximal term when asked', async () => {
    const init = await host.run(base({ kind: 'init' }), limits, never)
    const dataset = { format: 'csv' as const, bytes: csv }
    const plain = await host.run(base({ dataset, parameters: init.parameters! }), limits, never)
    const prox = await host.run(base({ dataset, parameters: init.parameters!, proximalMu: 10 }), limits, never)
    const dist = (a: Float32Array[]) => a.reduce((s, t, i) => s + t.reduce((u, v, j) => u + (v - init.parameters![i]![j]!) ** 2, 0), 0)
    // A strong pull toward the global weights keeps the local model closer to them.
    expect(dist(prox.parameters!)).toBeLessThan(dist(plain.parameters!))
  })

  it('answers bad specs and data with their compute codes, and keeps working', async () => {
    expect(await codeOf(host.run(base({ kind: 'init', spec: { ...SPEC, layers: [] } }), limits, never))).toBe('COMPUTE_BAD_SPEC')
    const init = await host.run(base({ kind: 'init' }), limits, never)
    const narrow = { format: 'csv' as const, bytes: Buffer.from('1,2,0\n3,4,1\n') }
    expect(await codeOf(host.run(base({ dataset: narrow, parameters: init.parameters! }), limits, never))).toBe('COMPUTE_SHAPE_MISMATCH')
    expect(await codeOf(host.run(base({ dataset: { format: 'csv', bytes: csv }, parameters: [new Float32Array(3)] }), limits, never))).not.toBe('resolved')
    expect((await host.run(base({ kind: 'init' }), limits, never)).parameters).toHaveLength(2)
  })

  it('kills work past its time or cancelled, and starts a new child for the next piece', async () => {
    const init = await host.run(base({ kind: 'init' }), limits, never)
    const long = base({ dataset: { format: 'csv', bytes: csv }, parameters: init.parameters!, localEpochs: 500 })
    expect(await codeOf(host.run(long, { ...limits, timeMs: 300 }, never))).toBe('COMPUTE_TIMEOUT')
    const ctrl = new AbortController()
    const cancelled = host.run(long, limits, ctrl.signal)
    setTimeout(() => ctrl.abort(), 200)
    expect(await codeOf(cancelled)).toBe('COMPUTE_CANCELLED')
    expect((await host.run(base({ kind: 'init' }), limits, never)).parameters).toEqual(init.parameters)
  })
})

describe('the federated participant (claim loop)', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'w3ai-fl-participant-'))
    await writeFile(join(dir, 'a.csv'), '1,2,0\n3,4,1\n')
  })
  afterAll(async () => rm(dir, { recursive: true, force: true }))

  const work = (over: Partial<FlWork>): FlWork => ({
    id: 'flw_000000000000000000000001', trainingId: 'fl_000000000000000000000001', round: 1, kind: 'train', clientId: 'n/a', dataset: 'a',
    deadline: new Date(Date.now() + 10_000).toISOString(), model: SPEC, inputScale: 1, localEpochs: 1, seed: 0, config: { round: 1 }, parameters: true, ...over,
  })

  async function runOnce(items: FlWork[], datasets: LocalDataset[], run: ConstructorParameters<typeof Participant>[0]['run']): Promise<Array<{ id: string; reply: FlWorkReply }>> {
    const replies: Array<{ id: string; reply: FlWorkReply }> = []
    let queue = [...items]
    const participant = new Participant({
      work: {
        claim: async () => {
          const out = queue
          queue = []
          return out
        },
        parameters: async () => [new Float32Array([1, 2])],
        reply: async (id, reply) => void replies.push({ id, reply }),
      },
      datasets: () => datasets,
      limits,
      pollMs: 20,
      log: pino({ enabled: false }),
      run,
    })
    participant.start()
    const end = Date.now() + 5000
    while (replies.length < items.length && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    await participant.stop()
    return replies
  }

  const local: LocalDataset = { name: 'a', format: 'csv', path: '', schema: { features: 2, shape: [2], integerLabels: true, maxLabel: 1 }, rows: 2, addedAt: '' }

  it('runs claimed work with the global parameters and the local file, and answers with the new parameters', async () => {
    const seen: FlClientPayload[] = []
    const replies = await runOnce([work({ config: { round: 1, proximalMu: 0.1 } })], [{ ...local, path: join(dir, 'a.csv') }], async (payload) => {
      seen.push(payload)
      return { parameters: payload.parameters!.map((t) => t.map((v) => v * 2)), numExamples: 2, loss: 0.5, metrics: { accuracy: 1, bogus: Number.NaN } }
    })
    expect(seen[0]).toMatchObject({ kind: 'train', proximalMu: 0.1, dataset: { format: 'csv' } })
    expect(Buffer.from((seen[0]!.dataset as { bytes: Uint8Array }).bytes).toString()).toBe('1,2,0\n3,4,1\n')
    expect(replies[0]?.reply).toMatchObject({ outcome: 'ok', numExamples: 2, loss: 0.5, metrics: { accuracy: 1 } })
    expect(decodeParameters(replies[0]!.reply.parameters!)).toEqual([new Float32Array([2, 4])])
  })

  it('clips its update to the norm client-side differential privacy sets, and says whether it had to', async () => {
    const replies = await runOnce([work({ config: { round: 1, clippingNorm: 1 } })], [{ ...local, path: join(dir, 'a.csv') }], async (payload) => ({
      parameters: payload.parameters!.map((t) => t.map((v) => v * 2)),
      numExamples: 2,
      metrics: {},
    }))
    // Received [1, 2], trained [2, 4]: the update [1, 2] has norm √5 and is scaled to norm 1.
    const [sent] = decodeParameters(replies[0]!.reply.parameters!)
    expect([...sent!].map((v) => v.toFixed(4))).toEqual([(1 + 1 / Math.sqrt(5)).toFixed(4), (2 + 2 / Math.sqrt(5)).toFixed(4)])
    expect(replies[0]!.reply.metrics).toMatchObject({ normBit: 0 })
  })

  it('keeps its update under secagg+ and sends it only masked, stage by stage, so the hub learns the mean alone', async () => {
    const replies: Array<{ id: string; reply: FlWorkReply }> = []
    const queue: FlWork[] = [work({ config: { round: 1, secure: 'secagg+' } })]
    const participant = new Participant({
      work: {
        claim: async () => queue.splice(0),
        parameters: async () => [new Float32Array([1, 2])],
        reply: async (id, reply) => void replies.push({ id, reply }),
      },
      datasets: () => [{ ...local, path: join(dir, 'a.csv') }],
      limits,
      pollMs: 10,
      log: pino({ enabled: false }),
      run: async (payload) => ({ parameters: payload.parameters!.map((t) => t.map((v) => v * 3)), numExamples: 2, metrics: {} }),
    })
    const waitFor = async (n: number): Promise<void> => {
      while (replies.length < n) await new Promise((r) => setTimeout(r, 10))
    }
    participant.start()
    await waitFor(1)
    expect(replies[0]!.reply).toMatchObject({ outcome: 'ok', numExamples: 2 })
    expect(replies[0]!.reply.parameters).toBeUndefined()
    // A second client, in the test, holds [5, 6] with 2 examples; the mean is [4, 6].
    const server = new SecAggServer({ roundId: 'r', clients: ['n/a', 'other'], tensorSizes: [2] })
    const other = new SecAggClient('other')
    for (const [i, stage] of SECAGG_STAGES.entries()) {
      const requests = server.requests()
      queue.push(work({ id: `flw_00000000000000000000000${i + 2}`, kind: 'secagg', parameters: false, config: { round: 1, stage }, message: requests['n/a'] }))
      await waitFor(i + 2)
      server.receive(replies[i + 1]!.reply.message)
      const m = requests.other as never
      server.receive(stage === 'setup' ? other.setup(m) : stage === 'share-keys' ? other.shareKeys(m) : stage === 'collect-masked-vectors' ? other.collect(m, { parameters: [new Float32Array([5, 6])], numExamples: 2 }) : other.unmask(m))
      server.advance()
    }
    await participant.stop()
    const { mean, totalExamples } = server.result()
    expect([...mean[0]!].map((v) => Number(v.toFixed(4)))).toEqual([4, 6])
    expect(totalExamples).toBe(4)
    expect(JSON.stringify(replies.map((r) => r.reply))).not.toContain('"parameters"')
  })

  it('under ckks opens the owner\'s sealed parameters with its wrapped key and sends its update encrypted under the owner\'s key', async () => {
    const node = generateIdentity('node')
    const { publicKey, secretKey } = await generateJobKeys()
    const modelKey = randomBytes(32)
    const sealed = sealParameters(modelKey, [new Float32Array([1, 2])], 'fl_000000000000000000000001', 3)
    const replies: FlWorkReply[] = []
    const queue: FlWork[] = [work({ round: 4, parameters: false, config: { round: 4, secure: 'ckks' }, message: { publicKey, sealed, sealedRound: 3, modelKey: wrapKey(modelKey, node.encryptionKey) } })]
    let seen: Float32Array[] | undefined
    const participant = new Participant({
      work: { claim: async () => queue.splice(0), parameters: async () => [], reply: async (_id, reply) => void replies.push(reply) },
      identity: node,
      datasets: () => [{ ...local, path: join(dir, 'a.csv') }],
      limits,
      pollMs: 10,
      log: pino({ enabled: false }),
      run: async (payload) => {
        seen = payload.parameters
        return { parameters: payload.parameters!.map((t) => t.map((v) => v + 1)), numExamples: 2, metrics: {} }
      },
    })
    participant.start()
    while (replies.length < 1) await new Promise((r) => setTimeout(r, 10))
    await participant.stop()
    expect(seen).toEqual([new Float32Array([1, 2])])
    expect(replies[0]!.parameters).toBeUndefined()
    const { mean, totalExamples } = await decryptMean(secretKey, replies[0]!.message)
    expect([totalExamples, ...[...mean[0]!].map((v) => Number(v.toFixed(3)))]).toEqual([2, 2, 3])
  })

  it('answers failures with their code: a dataset it no longer holds, a file gone, an executor error', async () => {
    const failing = async (): Promise<never> => {
      throw new W3aiError('COMPUTE_BAD_DATASET', 'row 2 is bad')
    }
    const replies = await runOnce(
      [work({ dataset: 'gone' }), work({ id: 'flw_000000000000000000000002' }), work({ id: 'flw_000000000000000000000003', dataset: 'b' })],
      [local, { ...local, name: 'b', path: join(dir, 'a.csv') }],
      failing,
    )
    expect(replies.map((r) => r.reply.error?.code)).toEqual(['FL_DATASET_NOT_FOUND', 'FL_DATASET_FILE', 'COMPUTE_BAD_DATASET'])
    expect(replies.every((r) => r.reply.outcome === 'failed')).toBe(true)
  })
})
