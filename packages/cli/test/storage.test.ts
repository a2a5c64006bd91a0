import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { once } from 'node:events'
import { mkdir, open, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Account, ObjectSummary } from '@w3ai/protocol'
import { W3AI_BIN, type DevnetFile } from '../src/index.js'
import { redundancyOf } from '../src/commands/storage.js'
import type { ObjectView } from '../src/commands/storage-views.js'
import { freePort, parseJson, tempHome, testEnv, w3ai, w3aiInProcess, type RunResult } from './helpers.js'

const MiB = 1024 * 1024
const SMALL_SEGMENTS = ['--segment-size', String(MiB)]
/** Well-formed (raw, sha2-256 of "hello world") but never stored. */
const UNKNOWN_CID = 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'
const LONG = 240_000

type Home = Awaited<ReturnType<typeof tempHome>>

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function randomFile(path: string, size: number): Promise<string> {
  const file = await open(path, 'w')
  try {
    for (let done = 0; done < size; done += 4 * MiB) await file.write(randomBytes(Math.min(4 * MiB, size - done)))
  } finally {
    await file.close()
  }
  return path
}

function errorCode(r: RunResult): string | undefined {
  try {
    return parseJson<{ error?: { code: string } }>(r.stdout).error?.code
  } catch {
    return undefined
  }
}

/** `w3ai ...args` with stdout kept as bytes (the plaintext of `storage get`). */
function w3aiBytes(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [W3AI_BIN, ...args], { env: testEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }))
  })
}

/** One detached devnet of six nodes for the file, an owner account and a second account. */
describe('w3ai storage on a devnet of six nodes', () => {
  let home: Home
  let otherHome: Home
  let files: string
  let devnet: DevnetFile
  let otherId: string
  const owner = (...args: string[]): Promise<RunResult> => w3ai([...args, '--home', home.path], testEnv(), LONG)
  const other = (...args: string[]): Promise<RunResult> => w3ai([...args, '--home', otherHome.path, '--hub', devnet.hub.url])

  async function put(file: string, ...flags: string[]): Promise<ObjectSummary> {
    const r = await owner('storage', 'put', file, '--json', ...flags)
    expect(r.code, r.stdout + r.stderr).toBe(0)
    return parseJson<ObjectSummary>(r.stdout)
  }

  /** Downloads with `get -o` and returns the SHA-256 of what landed on disk. */
  async function getHash(run: typeof owner, cid: string, target: string): Promise<string> {
    const r = await run('storage', 'get', cid, '-o', target, '--json')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(parseJson<{ cid: string; size: number; path: string }>(r.stdout)).toMatchObject({ cid, path: target })
    return sha256(target)
  }

  /** A two-segment object shared by the tests that only read it. */
  let sampleObject: Promise<{ summary: ObjectSummary; path: string }> | undefined
  const sample = (): Promise<{ summary: ObjectSummary; path: string }> =>
    (sampleObject ??= (async () => {
      const path = await randomFile(join(files, 'sample.bin'), MiB + 4096)
      return { summary: await put(path, ...SMALL_SEGMENTS, '--name', 'sample.bin'), path }
    })())

  beforeAll(async () => {
    home = await tempHome('w3ai-storage-')
    otherHome = await tempHome('w3ai-storage-bob-')
    files = join(home.path, 'files')
    await mkdir(files)
    const up = await owner('up', '--detach', '--nodes', '6', '--port', String(await freePort()), '--json')
    if (up.code !== 0) throw new Error(`w3ai up failed: ${up.stdout}${up.stderr}`)
    devnet = parseJson<DevnetFile>(up.stdout)
    const [alice, bob] = await Promise.all([owner('account', 'create', '--name', 'alice', '--json'), other('account', 'create', '--name', 'bob', '--json')])
    if (alice.code !== 0 || bob.code !== 0) throw new Error(`account create failed: ${alice.stdout}${alice.stderr}${bob.stdout}${bob.stderr}`)
    otherId = parseJson<Account>(bob.stdout).id
  }, 180_000)

  afterAll(async () => {
    await owner('down')
    await Promise.all([home?.remove(), otherHome?.remove()])
  })

  it('round-trips files at segment boundaries byte for byte', async () => {
    const sizes = [0, 1, MiB - 1, MiB, MiB + 1]
    await Promise.all(
      sizes.map(async (size) => {
        const source = await randomFile(join(files, `rt-${size}.bin`), size)
        const summary = await put(source, ...SMALL_SEGMENTS)
        expect(summary).toMatchObject({ size, segments: Math.max(1, Math.ceil(size / MiB)), redundancy: { k: 4, n: 6, repairThreshold: 5 } })
        expect(summary.cid).toMatch(/^b[a-z2-7]+$/)
        expect(await getHash(owner, summary.cid, join(files, `rt-${size}.out`)), `${size} bytes`).toBe(await sha256(source))
      }),
    )
  }, LONG)

  it('round-trips 100 MiB with the default 8 MiB segments', async () => {
    const source = await randomFile(join(files, 'big.bin'), 100 * MiB)
    const target = join(files, 'big.out')
    try {
      const summary = await put(source)
      expect(summary).toMatchObject({ size: 100 * MiB, segments: 13 })
      expect(await getHash(owner, summary.cid, target)).toBe(await sha256(source))
      expect((await owner('storage', 'rm', summary.cid, '--json')).code).toBe(0)
    } finally {
      await Promise.all([rm(source, { force: true }), rm(target, { force: true })])
    }
  }, LONG)

  it('writes the plaintext alone to stdout without -o', async () => {
    const { summary, path } = await sample()
    const r = await w3aiBytes(['storage', 'get', summary.cid, '--home', home.path])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.equals(await readFile(path))).toBe(true)
  })

  it('stops with an error, not a hang, when the reader of stdout goes away', async () => {
    const { summary } = await sample()
    const child = spawn(process.execPath, [W3AI_BIN, 'storage', 'get', summary.cid, '--home', home.path], { env: testEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.stdout.once('data', () => child.stdout.destroy())
    const [code] = (await once(child, 'close')) as [number | null]
    expect(code).toBe(1)
    expect(stderr).toMatch(/^error INTERNAL: stdout was closed before the download ended/m)
  })

  it('applies --redundancy K/N with the repair threshold defaulting to K+1', async () => {
    const source = await randomFile(join(files, 'r.bin'), 1000)
    expect((await put(source, '--redundancy', '2/5')).redundancy).toEqual({ k: 2, n: 5, repairThreshold: 3 })
    expect((await put(source, '--redundancy', '3/4', '--repair', '4')).redundancy).toEqual({ k: 3, n: 4, repairThreshold: 4 })
  })

  it('shows progress on stderr, and with --json prints only the summary', async () => {
    const source = await randomFile(join(files, 'progress.bin'), 3 * MiB)
    const human = await owner('storage', 'put', source, ...SMALL_SEGMENTS)
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/^stored b[a-z2-7]+$/m)
    expect(human.stderr).toMatch(/uploading 3 MiB\/3 MiB \(100%\)/)
    const json = await owner('storage', 'put', source, ...SMALL_SEGMENTS, '--json')
    expect(Object.keys(parseJson<ObjectSummary>(json.stdout))).toEqual(expect.arrayContaining(['cid', 'size', 'redundancy', 'minHealthyPieces']))
    expect(json.stderr).not.toContain('uploading')
  })

  it('lists objects with their name, size, redundancy and health', async () => {
    const { summary } = await sample()
    const r = await owner('storage', 'ls', '--json')
    expect(r.code).toBe(0)
    expect(parseJson<ObjectSummary[]>(r.stdout).find((o) => o.cid === summary.cid)).toMatchObject({ name: 'sample.bin', size: MiB + 4096, minHealthyPieces: 6, health: { state: 'healthy', healthyPieces: 6, needed: 4, target: 6 } })
    const human = (await owner('storage', 'ls')).stdout
    expect(human).toMatch(/^CID\s+NAME\s+SIZE\s+REDUNDANCY\s+MIN HEALTHY\s+HEALTH\s+CREATED$/m)
    expect(human).toMatch(new RegExp(`^${summary.cid}\\s+sample\\.bin\\s+1 MiB\\s+4/6\\s+6/6\\s+healthy\\s`, 'm'))
  })

  it("shows each segment's pieces on distinct online nodes, all healthy", async () => {
    const { summary } = await sample()
    const r = await owner('storage', 'info', summary.cid, '--json')
    expect(r.code, r.stdout).toBe(0)
    const view = parseJson<ObjectView>(r.stdout)
    expect(view.health).toEqual({ status: 'healthy', minHealthyPieces: 6, k: 4, n: 6, repairThreshold: 5 })
    expect(view.segments.map((s) => s.plainSize)).toEqual([MiB, 4096])
    const nodeIds = new Set(devnet.nodes.map((n) => n.id))
    for (const seg of view.segments) {
      expect(seg.pieces.length).toBeGreaterThanOrEqual(6)
      expect(new Set(seg.pieces.map((p) => p.nodeId)).size).toBe(seg.pieces.length)
      for (const p of seg.pieces) {
        expect(nodeIds.has(p.nodeId)).toBe(true)
        expect(p).toMatchObject({ nodeStatus: 'online', healthy: true })
        expect(p).not.toHaveProperty('order')
      }
    }
    expect(r.stdout).not.toContain('wrappedKey')
    const human = (await owner('storage', 'info', summary.cid)).stdout
    expect(human).toContain('health      healthy')
    expect(human).toMatch(/segment 1 \(4 KiB\): 6\/6 healthy/)
  })

  it('exports the encrypted object as a CAR rooted at its CID', async () => {
    const { summary } = await sample()
    const car = join(files, 'sample.car')
    const r = await owner('storage', 'export', summary.cid, '--car', car, '--json')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const { blocks } = parseJson<{ blocks: number }>(r.stdout)
    expect(blocks).toBeGreaterThanOrEqual(2 * 6)
    const { CarReader } = await import('@ipld/car')
    const reader = await CarReader.fromBytes(await readFile(car))
    expect((await reader.getRoots()).map(String)).toEqual([summary.cid])
    let read = 0
    for await (const _ of reader.blocks()) read++
    expect(read).toBe(blocks + 1) // the pieces and the manifest
  })

  it('removes an object: then it is gone from ls and info', async () => {
    const summary = await put(await randomFile(join(files, 'gone.bin'), 10))
    const r = await owner('storage', 'rm', summary.cid, '--json')
    expect(r.code, r.stdout).toBe(0)
    expect(parseJson(r.stdout)).toEqual({ cid: summary.cid, removed: true })
    const [info, ls] = await Promise.all([owner('storage', 'info', summary.cid, '--json'), owner('storage', 'ls', '--json')])
    expect(errorCode(info)).toBe('STORAGE_OBJECT_NOT_FOUND')
    expect(parseJson<ObjectSummary[]>(ls.stdout).map((o) => o.cid)).not.toContain(summary.cid)
  })

  it('denies another account until the owner shares the object', async () => {
    const { summary, path } = await sample()
    const attempts = [['get', summary.cid, '-o', join(files, 'denied.out')], ['info', summary.cid], ['rm', summary.cid]]
    const denied = await Promise.all(attempts.map((args) => other('storage', ...args, '--json')))
    expect(denied.map((r) => [r.code, errorCode(r)])).toEqual(attempts.map(() => [1, 'STORAGE_ACCESS_DENIED']))
    expect(await readdir(files)).not.toContain('denied.out')

    const shared = await owner('storage', 'share', summary.cid, '--with', otherId, '--json')
    expect(shared.code, shared.stdout).toBe(0)
    expect(await getHash(other, summary.cid, join(files, 'shared.out'))).toBe(await sha256(path))
    expect(parseJson<ObjectSummary[]>((await other('storage', 'ls', '--json')).stdout).map((o) => o.cid)).toContain(summary.cid)
    expect(errorCode(await other('storage', 'rm', summary.cid, '--json')), 'only the owner deletes').toBe('STORAGE_ACCESS_DENIED')
  })

  it('rejects bad input with stable codes', async () => {
    const source = await randomFile(join(files, 'bad.bin'), 100)
    const cases: Array<[string[], string, number]> = [
      [['get', 'not-a-cid'], 'STORAGE_BAD_CID', 1],
      [['get', UNKNOWN_CID, '-o', join(files, 'unknown.out')], 'STORAGE_OBJECT_NOT_FOUND', 1],
      [['info', UNKNOWN_CID], 'STORAGE_OBJECT_NOT_FOUND', 1],
      [['put', source, '--redundancy', '6/4'], 'STORAGE_BAD_REDUNDANCY', 1],
      [['put', source, '--redundancy', 'x'], 'CLI_BAD_ARGUMENT', 2],
      [['put', source, '--redundancy', '4/10'], 'STORAGE_NOT_ENOUGH_NODES', 1],
      [['put', join(files, 'missing.bin')], 'CLI_BAD_ARGUMENT', 2],
      [['put', files], 'CLI_BAD_ARGUMENT', 2],
    ]
    const results = await Promise.all(cases.map(([args]) => owner('storage', ...args, '--json')))
    results.forEach((r, i) => {
      const [args, code, exit] = cases[i]!
      expect({ args, code: errorCode(r), exit: r.code }).toEqual({ args, code, exit })
    })
    expect(await readdir(files)).not.toContain('unknown.out')
  })

  it('keeps an existing -o file untouched when the download fails', async () => {
    const target = join(files, 'keep.txt')
    await writeFile(target, 'old')
    expect(errorCode(await owner('storage', 'get', UNKNOWN_CID, '-o', target, '--json'))).toBe('STORAGE_OBJECT_NOT_FOUND')
    expect(await readFile(target, 'utf8')).toBe('old')
    expect((await readdir(files)).filter((f) => f.endsWith('.part'))).toEqual([])
  })

  it('says IDENTITY_NOT_FOUND in a home without an account', async () => {
    const empty = await tempHome('w3ai-storage-none-')
    try {
      const r = await w3ai(['storage', 'ls', '--home', empty.path, '--hub', devnet.hub.url])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^error IDENTITY_NOT_FOUND: .*w3ai account create/)
    } finally {
      await empty.remove()
    }
  })
})

describe('argument checking of w3ai storage', () => {
  let home: Home
  let file: string
  const hub = ['--hub', 'http://127.0.0.1:1']
  beforeAll(async () => {
    home = await tempHome()
    file = join(home.path, 'f.bin')
    await writeFile(file, 'x')
  })
  afterAll(async () => home.remove())

  const cid = UNKNOWN_CID
  it.each([
    [['put', 'FILE', '--redundancy', 'x'], 'CLI_BAD_ARGUMENT'],
    [['put', 'FILE', '--redundancy', '4'], 'CLI_BAD_ARGUMENT'],
    [['put', 'FILE', '--redundancy', '6/4'], 'STORAGE_BAD_REDUNDANCY'],
    [['put', 'FILE', '--redundancy', '4/4'], 'STORAGE_BAD_REDUNDANCY'],
    [['put', 'FILE', '--redundancy', '0/3'], 'STORAGE_BAD_REDUNDANCY'],
    [['put', 'FILE', '--redundancy', '4/65'], 'STORAGE_BAD_REDUNDANCY'],
    [['put', 'FILE', '--redundancy', '4/6', '--repair', '7'], 'STORAGE_BAD_REDUNDANCY'],
    [['put', 'FILE', '--repair', '3'], 'STORAGE_BAD_REDUNDANCY'],
    [['put', 'FILE', '--repair', 'two'], 'CLI_BAD_ARGUMENT'],
    [['put', 'FILE', '--segment-size', '100'], 'CLI_BAD_ARGUMENT'],
    [['put', 'FILE', '--name', ''], 'CLI_BAD_ARGUMENT'],
    [['put', 'nope.bin'], 'CLI_BAD_ARGUMENT'],
    [['put', 'HOME'], 'CLI_BAD_ARGUMENT'],
    [['put'], 'CLI_BAD_ARGUMENT'],
    [['get', 'not-a-cid'], 'STORAGE_BAD_CID'],
    [['get', 'BAFKREI'], 'STORAGE_BAD_CID'],
    [['get', cid], 'CLI_BAD_ARGUMENT'], // --json without -o: stdout is for the data
    [['get', cid, '-o', 'HOME'], 'CLI_BAD_ARGUMENT'],
    [['get', cid, '-o', '/no/such/dir/out.bin'], 'CLI_BAD_ARGUMENT'],
    [['info', 'x'], 'STORAGE_BAD_CID'],
    [['rm', 'x'], 'STORAGE_BAD_CID'],
    [['share', cid, '--with', 'bob'], 'CLI_BAD_ARGUMENT'],
    [['share', cid], 'CLI_BAD_ARGUMENT'],
    [['export', cid], 'CLI_BAD_ARGUMENT'],
    [['storage-frob'], 'CLI_BAD_ARGUMENT'],
  ])('w3ai storage %j → %s', async (args, code) => {
    const argv = args.map((a) => (a === 'FILE' ? file : a === 'HOME' ? home.path : a))
    const r = await w3aiInProcess(['storage', ...argv, ...hub, '--home', home.path, '--json'])
    expect(parseJson<{ error: { code: string } }>(r.stdout).error.code).toBe(code)
    expect(r.code).toBe(code === 'CLI_BAD_ARGUMENT' ? 2 : 1)
  })

  it('says IDENTITY_NOT_FOUND before contacting the hub, for every storage command', async () => {
    for (const args of [['put', file], ['get', cid, '-o', join(home.path, 'o')], ['ls'], ['info', cid], ['rm', cid], ['share', cid, '--with', 'a_0123456789abcdef0123'], ['export', cid, '--car', join(home.path, 'c.car')]]) {
      const r = await w3aiInProcess(['storage', ...args, ...hub, '--home', home.path])
      expect(r.code, args[0]).toBe(1)
      expect(r.stderr, args[0]).toBe(`error IDENTITY_NOT_FOUND: No identity in ${home.path}; run \`w3ai account create\`.\n`)
    }
  })
})

describe('redundancyOf (--redundancy / --repair)', () => {
  it('leaves the choice to the hub when neither is given', () => expect(redundancyOf({})).toBeUndefined())
  it('defaults the repair threshold to min(N, K+1)', () => {
    expect(redundancyOf({ redundancy: { k: 4, n: 6 } })).toEqual({ k: 4, n: 6, repairThreshold: 5 })
    expect(redundancyOf({ redundancy: { k: 5, n: 6 } })).toEqual({ k: 5, n: 6, repairThreshold: 6 })
  })
  it('keeps the default K/N with --repair alone', () => expect(redundancyOf({ repair: 6 })).toEqual({ k: 4, n: 6, repairThreshold: 6 }))
})
