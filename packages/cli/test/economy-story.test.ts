/**
 * The token economy's acceptance story (issue 11) on a devnet of real processes with billing on:
 * a user takes faucet tokens, uploads a file (its storage paid into escrow), runs a job verified
 * by two nodes and a paid inference, each step a real `w3ai` process. Then, from the public
 * journal and the network parameters alone: the nodes that stored (once their pieces passed
 * audits, each epoch), computed (the verified job) and served (the inference) were paid; every
 * fee, its treasury and burn shares and each node's part match the parameters to the last unit;
 * the user's balance dropped by exactly what was charged (refunds included); and `w3ai ledger
 * verify` passes. Every expected amount is computed here, in bigint, from GET /v1/parameters.
 * On PGlite, and on PostgreSQL when W3AI_TEST_DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as onnxModule from 'onnx-proto'
import { readIdentity } from '@w3ai/crypto'
import { storyBackends, dropSchema, freshDatabaseUrl } from '@w3ai/hub/testing'
import type { Deployment, Job, JournalEntryWire, NetworkParameter, ObjectSummary, Quote, TransferWire, Wallet } from '@w3ai/protocol'
import { HubClient, LedgerClient, StorageClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../src/index.js'
import type { VerifyReportJson } from '../src/commands/ledger.js'
import { parseJson, tempHome, testEnv, until, w3ai, type RunResult } from './helpers.js'

const EPOCH_MS = 2000
const DURATION_HOURS = 1
const TASK_SECONDS = 30
const FAUCET_TOKENS = 100n
const TOKEN = 10n ** 18n
const GIB = 1024n ** 3n
const REDUNDANCY = ['--redundancy', '2/3']

// onnx-proto is CommonJS: under Node's ESM loader its namespace sits on the default export.
type Onnx = typeof onnxModule.onnx
const loaded = onnxModule as unknown as { onnx?: Onnx; default?: { onnx?: Onnx } }
const onnx = (loaded.onnx ?? loaded.default?.onnx) as Onnx

/** A one-node ONNX graph: sum = a + b over float32[1,3]. */
function addModel(): Uint8Array {
  const tensor = (name: string): onnxModule.onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: 3 }] } } },
  })
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'w3ai-economy-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'add', node: [{ opType: 'Add', input: ['a', 'b'], output: ['sum'], name: 'add' }], input: [tensor('a'), tensor('b')], output: [tensor('sum')] },
  })
  return onnx.ModelProto.encode(model).finish()
}

const TENSORS = {
  a: { type: 'float32', dims: [1, 3], data: [1, 2, 3] },
  b: { type: 'float32', dims: [1, 3], data: [10, 20, 30] },
}

/** Whole units of `bps` basis points of `amount`, rounded down. */
const bps = (amount: bigint, share: bigint): bigint => (amount * share) / 10_000n

/** The split of a payment as the parameters define it: the fee, its treasury and burn shares; the nodes keep the rest. */
function split(amount: bigint, p: Params): { fee: bigint; treasury: bigint; burn: bigint; nodes: bigint } {
  const fee = bps(amount, p.feeRateBps)
  const treasury = bps(fee, p.treasuryShareBps)
  const burn = bps(fee, p.burnShareBps)
  return { fee, treasury, burn, nodes: amount - treasury - burn }
}

type Params = Record<string, bigint> & { feeRateBps: bigint; treasuryShareBps: bigint; burnShareBps: bigint }

/** The stored bytes of an object (every piece of every segment), what its storage is charged for. */
const storedBytesOf = (detail: Awaited<ReturnType<StorageClient['info']>>): bigint =>
  detail.manifest.segments.reduce((sum, s, i) => sum + BigInt(s.shardSize) * BigInt(detail.segments[i]?.pieces.length ?? 0), 0n)

describe.each(storyBackends())('the token economy story on a devnet (%s)', (backend) => {
  let home: Awaited<ReturnType<typeof tempHome>>
  let devnet: Devnet
  let databaseUrl: string | undefined
  let ledger: LedgerClient
  let storage: StorageClient
  let files: string
  let me: string
  let p: Params
  /** What the user was credited and charged, as the story goes. */
  let faucet: bigint
  let file: { cid: string; upload: string; escrow: bigint; stored: bigint; shard: bigint; holders: string[]; doneAt: number }
  let modelCid: string
  let modelEscrow: bigint
  let jobTotal: bigint
  let servingPrice: bigint
  const seen = { burned: 0n }

  /** `w3ai ...args --home <home>` as its own process; exit 0 expected, stdout parsed as JSON. */
  async function cli<T>(...args: string[]): Promise<T> {
    const r: RunResult = await w3ai([...args, '--home', home.path], testEnv(), 120_000)
    expect(r.code, `w3ai ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0)
    return parseJson<T>(r.stdout)
  }

  const journal = async (): Promise<JournalEntryWire[]> => (await ledger.download()).entries
  const amountOf = (entries: JournalEntryWire[], id: string): bigint | undefined => {
    const e = entries.find((x) => x.transferId === id)
    return e === undefined ? undefined : BigInt(e.amount)
  }
  const balanceOf = async (account: string): Promise<bigint> => {
    const a = (await ledger.allAccounts()).find((x) => x.id === account)
    return a === undefined ? 0n : a.creditsPosted - a.debitsPosted
  }
  /** The upload whose storage escrow (se:<upload>) the user paid between two journal positions. */
  const escrowBetween = (entries: JournalEntryWire[], after: number): JournalEntryWire[] =>
    entries.filter((e) => e.seq > after && e.transferId.startsWith('se:') && e.debit === `user:${me}`)

  beforeAll(async () => {
    home = await tempHome('w3ai-economy-')
    files = join(home.path, 'files')
    await mkdir(files)
    databaseUrl = freshDatabaseUrl(backend)
    devnet = await startDevnet({
      home: home.path,
      nodes: 3,
      hubPort: 0,
      logLevel: 'warn',
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
      env: {
        W3AI_BILLING: 'on',
        W3AI_BILLING_TASK_SECONDS: String(TASK_SECONDS),
        W3AI_STORAGE_EPOCH_MS: String(EPOCH_MS),
        W3AI_STORAGE_DURATION_HOURS: String(DURATION_HOURS),
        W3AI_STORAGE_AUDIT_INTERVAL_MS: '300',
        W3AI_TASK_POLL_MS: '200',
      },
    })
    ledger = new LedgerClient(devnet.client)
    me = (await cli<{ id: string }>('account', 'create', '--name', 'alice', '--json')).id
    const identity = await readIdentity(home.path)
    storage = new StorageClient(new HubClient({ url: devnet.hubUrl, identity: identity! }), identity!)
    const parameters = await cli<NetworkParameter[]>('params', '--json')
    p = Object.fromEntries(parameters.map((x) => [x.name, BigInt(x.value)])) as Params
  }, 180_000)

  afterAll(async () => {
    await devnet?.stop()
    await home?.remove()
    if (databaseUrl !== undefined) await dropSchema(databaseUrl)
  })

  it('takes faucet tokens', async () => {
    const taken = await cli<TransferWire>('faucet', String(FAUCET_TOKENS), '--json')
    expect(taken).toMatchObject({ debit: 'faucet', credit: `user:${me}`, kind: 'faucet', status: 'posted', amount: String(FAUCET_TOKENS * TOKEN) })
    faucet = BigInt(taken.amount)
    expect(await cli<Wallet>('wallet', 'balance', '--json')).toEqual({ account: `user:${me}`, balance: String(faucet), available: String(faucet), pending: '0' })
  }, 60_000)

  it('uploads a file: the stored bytes for the paid hours go into the upload escrow', async () => {
    const path = join(files, 'data.bin')
    await writeFile(path, randomBytes(256 * 1024))
    const head = Math.max(0, ...(await journal()).map((e) => e.seq))
    const put = await cli<ObjectSummary>('storage', 'put', path, ...REDUNDANCY, '--json')
    const doneAt = Date.now()
    const detail = await storage.info(put.cid)
    expect(detail.segments).toHaveLength(1)
    const stored = storedBytesOf(detail)
    // ceil(stored bytes × hours × the governed minimum per GiB-hour / GiB): a stored byte is never free.
    const escrow = (stored * BigInt(DURATION_HOURS) * p.storagePricePerGiBHourMin! + GIB - 1n) / GIB
    const [entry, ...more] = escrowBetween(await journal(), head)
    expect(more).toEqual([])
    expect(entry).toMatchObject({ kind: 'escrow', action: 'transfer', amount: escrow.toString(), credit: `escrow:st:${entry!.transferId.slice(3)}` })
    file = {
      cid: put.cid,
      upload: entry!.transferId.slice(3),
      escrow,
      stored,
      shard: BigInt(detail.manifest.segments[0]!.shardSize),
      holders: detail.segments[0]!.pieces.map((x) => x.nodeId).sort(),
      doneAt,
    }
    expect(new Set(file.holders).size).toBe(3)

    // The model the job and the deployment use is an upload too, and paid the same way.
    const modelPath = join(files, 'add.onnx')
    await writeFile(modelPath, addModel())
    const before = Math.max(...(await journal()).map((e) => e.seq))
    modelCid = (await cli<ObjectSummary>('model', 'add', modelPath, ...REDUNDANCY, '--json')).cid
    const modelStored = storedBytesOf(await storage.info(modelCid))
    modelEscrow = (modelStored * BigInt(DURATION_HOURS) * p.storagePricePerGiBHourMin! + GIB - 1n) / GIB
    expect(escrowBetween(await journal(), before).map((e) => BigInt(e.amount))).toEqual([modelEscrow])
  }, 90_000)

  it('runs a job verified by two nodes: escrow at its quote, each node paid its measured time less the fee, split to the unit', async () => {
    const input = join(files, 'tensors.json')
    await writeFile(input, JSON.stringify(TENSORS))
    const run = ['job', 'run', 'onnx', '--model', modelCid, '--input', input, '--verify', '2']
    const quote = await cli<Quote>(...run, '--quote', '--json')
    const b = quote.breakdown as { replicas: number; tieBreakers: number; limitSeconds: number; pricePerSecond: string }
    expect(b).toMatchObject({ replicas: 2, limitSeconds: TASK_SECONDS, pricePerSecond: p.computePricePerTaskSecondCpuMin!.toString() })
    expect(BigInt(quote.amount)).toBe(p.computePricePerTaskSecondCpuMin! * BigInt(TASK_SECONDS) * BigInt(b.replicas + b.tieBreakers))

    const job = await cli<Job>(...run, '--wait', '--json')
    expect(job.status).toBe('succeeded')
    const ran = [...new Set(job.history.filter((e) => e.kind === 'succeeded').map((e) => e.nodeId as string))].sort()
    expect(ran).toHaveLength(2)
    const ref = `job:${job.id}`
    await until(async () => ((await journal()).some((e) => e.transferId === `${ref}:post`) ? true : undefined), 30_000, 'the job settled')
    const entries = (await journal()).filter((e) => e.transferId.startsWith(`${ref}:`))
    expect(entries.find((e) => e.transferId === `${ref}:escrow`)).toMatchObject({ pending: true, action: 'pending', debit: `user:${me}`, credit: `escrow:${ref}`, amount: quote.amount })

    // Each accepted node is charged floor(ms × price / 1000) at its price (none asked: the governed minimum).
    const pays = entries.filter((e) => e.transferId.startsWith(`${ref}:pay:`))
    expect(pays.map((e) => e.credit).sort()).toEqual(ran.map((n) => `node:${n}`))
    const charges = new Map<string, bigint>()
    for (const pay of pays) {
      const [, ms, price] = /^(\d+) ms × (\d+) units\/s$/.exec(pay.memo ?? '') ?? []
      expect(BigInt(price!), pay.memo ?? '').toBe(p.computePricePerTaskSecondCpuMin)
      expect(Number(ms)).toBeLessThanOrEqual(TASK_SECONDS * 1000)
      charges.set(pay.credit, (BigInt(ms!) * BigInt(price!)) / 1000n)
    }
    jobTotal = [...charges.values()].reduce((s, c) => s + c, 0n)
    expect(jobTotal).toBeGreaterThan(0n)
    expect(amountOf(entries, `${ref}:post`)).toBe(jobTotal)
    const s = split(jobTotal, p)
    expect(amountOf(entries, `${ref}:treasury`)).toBe(s.treasury)
    expect(amountOf(entries, `${ref}:burn`)).toBe(s.burn)
    // The nodes' part in proportion to each charge, rounded down; the rounding's units one each in account order.
    const accounts = [...charges.keys()].sort()
    const parts = new Map(accounts.map((a) => [a, (s.nodes * charges.get(a)!) / jobTotal]))
    let left = s.nodes - [...parts.values()].reduce((x, y) => x + y, 0n)
    for (let i = 0; left > 0n; i = (i + 1) % accounts.length, left--) parts.set(accounts[i]!, parts.get(accounts[i]!)! + 1n)
    for (const pay of pays) expect(BigInt(pay.amount), pay.credit).toBe(parts.get(pay.credit))
    // And the treasury's reward for accepted work: computeRewardShareBps of each node's charge.
    for (const n of ran) expect(amountOf(entries, `${ref}:reward:${n}`)).toBe(bps(charges.get(`node:${n}`)!, p.computeRewardShareBps!))
    seen.burned += s.burn
    expect(await balanceOf(`escrow:${ref}`)).toBe(0n)
  }, 150_000)

  it('pays for an inference: the node that answered gets the call price less the fee, split to the unit', async () => {
    const deployment = await cli<Deployment>('model', 'serve', modelCid, '--wait', '--json')
    expect(deployment.status).toBe('ready')
    const before = new Set((await journal()).map((e) => e.seq))
    const input = join(files, 'tensors.json')
    const answer = await cli<{ outputs: Record<string, { data: number[] }>; nodeId: string }>('model', 'infer', deployment.id, '--input', input, '--json')
    expect(answer.outputs.sum?.data).toEqual([11, 22, 33])
    const entries = (await journal()).filter((e) => !before.has(e.seq) && e.transferId.startsWith('srv:'))
    const refs = new Set(entries.map((e) => e.transferId.split(':').slice(0, 2).join(':')))
    expect(refs.size).toBe(1)
    const [ref] = refs
    // No node asks a serving price: the governed minimum per call, held, then posted in full.
    servingPrice = p.servingPricePerCallMin!
    expect(entries.find((e) => e.transferId === `${ref}:hold`)).toMatchObject({ pending: true, debit: `user:${me}`, credit: `escrow:serve:${deployment.id}`, amount: servingPrice.toString() })
    expect(amountOf(entries, `${ref}:post`)).toBe(servingPrice)
    const s = split(servingPrice, p)
    expect(s.fee).toBeGreaterThan(0n)
    expect(amountOf(entries, `${ref}:treasury`)).toBe(s.treasury)
    expect(amountOf(entries, `${ref}:burn`)).toBe(s.burn)
    expect(entries.find((e) => e.transferId === `${ref}:pay:${answer.nodeId}`)).toMatchObject({ credit: `node:${answer.nodeId}`, amount: s.nodes.toString() })
    seen.burned += s.burn
    expect(await balanceOf(`escrow:serve:${deployment.id}`)).toBe(0n)
  }, 120_000)

  it('pays the nodes that stored the file each epoch once their pieces passed audits, the fee split to the unit; deleting it refunds the rest', async () => {
    // A stretch ending an epoch after the upload finished is a whole epoch (earlier ones may be partial).
    let stretch: JournalEntryWire[] = []
    await until(
      async () => {
        const byEnd = new Map<number, JournalEntryWire[]>()
        for (const e of await journal()) {
          const m = /^st:([0-9a-z]+):(u_[0-9a-f]+):/.exec(e.transferId)
          if (m?.[2] === file.upload) byEnd.set(parseInt(m[1]!, 36), [...(byEnd.get(parseInt(m[1]!, 36)) ?? []), e])
        }
        const whole = [...byEnd].filter(([end, es]) => end - EPOCH_MS >= file.doneAt && es.filter((e) => e.kind === 'settle').length === file.holders.length)
        stretch = whole[0]?.[1] ?? []
        return whole.length > 0 ? true : undefined
      },
      60_000,
      'an epoch paying every node that holds a piece',
    )
    for (const nodeId of file.holders) {
      const audit = (await devnet.client.getNode(nodeId)).audit
      expect(audit?.passed, nodeId).toBeGreaterThan(0)
      expect(audit?.failed, nodeId).toBe(0)
    }
    // An epoch is worth floor(escrow × epoch / duration); each node's gross share by its piece's bytes.
    const value = (file.escrow * BigInt(EPOCH_MS)) / BigInt(DURATION_HOURS * 3600_000)
    const gross = (value * file.shard) / file.stored
    const s = split(gross, p)
    expect(s.fee).toBeGreaterThan(0n)
    const escrow = `escrow:st:${file.upload}`
    const settles = stretch.filter((e) => e.kind === 'settle')
    expect(settles.map((e) => e.credit).sort()).toEqual(file.holders.map((n) => `node:${n}`))
    for (const e of settles) expect(e).toMatchObject({ debit: escrow, amount: s.nodes.toString() })
    const n = BigInt(file.holders.length)
    expect(stretch.find((e) => e.kind === 'fee')).toMatchObject({ debit: escrow, credit: 'treasury', amount: (n * s.treasury).toString() })
    expect(stretch.find((e) => e.kind === 'burn')).toMatchObject({ debit: escrow, credit: 'burn', amount: (n * s.burn).toString() })
    seen.burned += n * s.burn
    // And the treasury's storage reward for the proven bytes, per GiB and epoch.
    const key = stretch[0]!.transferId.split(':').slice(1, 3).join(':')
    const all = await journal()
    for (const nodeId of file.holders) {
      expect(amountOf(all, `sw:${key}:${nodeId}`)).toBe((p.storageRewardPerGiBEpoch! * file.shard) / GIB)
    }

    // Deleted: what the escrow still holds goes back to the user, so escrowed = paid + refunded.
    expect(await cli<{ removed: boolean }>('storage', 'rm', file.cid, '--json')).toMatchObject({ removed: true })
    await until(async () => ((await journal()).some((e) => e.transferId === `sr:${file.upload}`) ? true : undefined), 30_000, 'the refund')
    const after = await journal()
    const paid = after.filter((e) => e.debit === escrow && e.transferId.startsWith('st:')).reduce((sum, e) => sum + BigInt(e.amount), 0n)
    expect(after.find((e) => e.transferId === `sr:${file.upload}`)).toMatchObject({ debit: escrow, credit: `user:${me}`, kind: 'refund', amount: (file.escrow - paid).toString() })
    expect(await balanceOf(escrow)).toBe(0n)
  }, 120_000)

  it("charged the user exactly the storage, the job and the call, refunds included; `ledger verify` holds to the unit", async () => {
    const entries = await journal()
    const refund = amountOf(entries, `sr:${file.upload}`)!
    const charged = file.escrow - refund + modelEscrow + jobTotal + servingPrice
    const wallet = await cli<Wallet>('wallet', 'balance', '--json')
    expect(wallet).toEqual({ account: `user:${me}`, balance: String(faucet - charged), available: String(faucet - charged), pending: '0' })
    // Nothing else touched the account: the journal replays to the same balance.
    const mine = entries.filter((e) => e.debit === `user:${me}` || e.credit === `user:${me}`)
    const kinds = mine.map((e) => `${e.kind}/${e.action}`).sort()
    expect(kinds).toEqual(['escrow/pending', 'escrow/pending', 'escrow/post', 'escrow/post', 'escrow/transfer', 'escrow/transfer', 'faucet/transfer', 'refund/transfer'].sort())
    const replayed = mine
      .filter((e) => e.action === 'transfer' || e.action === 'post')
      .reduce((sum, e) => sum + (e.credit === `user:${me}` ? BigInt(e.amount) : -BigInt(e.amount)), 0n)
    expect(replayed).toBe(faucet - charged)

    const r = await w3ai(['ledger', 'verify', '--json', '--home', home.path], testEnv(), 120_000)
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const report = parseJson<VerifyReportJson>(r.stdout)
    expect(report).toMatchObject({ ok: true, problems: [] })
    expect(BigInt(report.minted)).toBe(BigInt(report.balances) + BigInt(report.escrow) + BigInt(report.staked) + BigInt(report.burned))
    // Burned: at least the burn shares checked above (the model's storage keeps paying meanwhile).
    expect(BigInt(report.burned)).toBeGreaterThanOrEqual(seen.burned)
    expect(seen.burned).toBeGreaterThan(0n)
  }, 90_000)
})
