/**
 * Storage benchmark: put and get of one file (default 256 MiB) on a 6-node devnet (real hub and
 * node processes, 4-of-6 Reed–Solomon with 2 long-tail spares, AES-256-GCM, pieces over HTTP to
 * the nodes' disks). The client runs in a process of its own (bench/lib/storage-client.ts), so
 * its peak RSS is its own. Same run, same file:
 *  (a) the in-process limit: AES-256-GCM + Reed–Solomon encoding + SHA-256 CID and Merkle root of
 *      every shard (what the client computes), no network and no disk;
 *  (b) IPFS's importer (ipfs-unixfs-importer into an on-disk blockstore-fs) — plain chunking and
 *      hashing to disk, with no encryption and no redundancy;
 *  (c) the CPU cost per byte of each stage, and the CPU the client, the nodes and the hub spent;
 *  (d) with --rss-mib (default 1024, 0 to skip): put and get of a file of that size, for the
 *      client's peak RSS (`peakRssMiB1GiB` at 1024).
 * The client runs as the `w3ai` command does once built (scripts/build-cli.mjs): bundled with
 * esbuild, npm packages left external, so no tsx loader thread sits in its memory.
 *
 *   npm run bench -- storage [--mib 256] [--nodes 6] [--rss-mib 1024] [--prof DIR]
 */
import { spawn } from 'node:child_process'
import { createCipheriv, createHash, randomBytes, randomFillSync } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { startDevnet } from '@w3ai/cli'
import { STORAGE_DEFAULTS } from '@w3ai/protocol'
import { BufferPool, encodeObjectSegments, encodeSegment, generateObjectKey, merkleRoot, pieceCid } from '@w3ai/storage'
import { FsBlockstore } from 'blockstore-fs'
import { build, type Plugin } from 'esbuild'
import { importer } from 'ipfs-unixfs-importer'
import { printTable, writeResult } from './lib/report.js'

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '256' },
    nodes: { type: 'string', default: '6' },
    'rss-mib': { type: 'string', default: '1024' },
    prof: { type: 'string' },
  },
})
const SIZE = Number(values.mib) * 1024 * 1024
const RSS_SIZE = Number(values['rss-mib']) * 1024 * 1024
const MB = 1e6
const K = STORAGE_DEFAULTS.k
const N = STORAGE_DEFAULTS.n
const here = dirname(fileURLToPath(import.meta.url))

async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256')
  const out = createWriteStream(path)
  const chunk = Buffer.alloc(4 * 1024 * 1024)
  for (let done = 0; done < size; done += chunk.length) {
    const part = chunk.subarray(0, Math.min(chunk.length, size - done))
    randomFillSync(part)
    hash.update(part)
    if (!out.write(Buffer.from(part))) await new Promise<void>((r) => out.once('drain', () => r()))
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
  return hash.digest('hex')
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Wall and CPU (this process, every thread) seconds of `fn`. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; cpuSeconds: number }> {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const value = await fn()
  const c = process.cpuUsage(c0)
  return { value, seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 }
}

/** The client's encoding pipeline in process: file → segments → AES-GCM → RS → CID + Merkle root per shard. */
async function inProcessLimit(path: string, total: number): Promise<void> {
  const pool = new BufferPool()
  const options = { objectKey: generateObjectKey(), k: K, total, segmentSize: STORAGE_DEFAULTS.segmentSize, merkleLeafSize: STORAGE_DEFAULTS.merkleLeafSize }
  for await (const segment of encodeObjectSegments(createReadStream(path), options, pool)) segment.release?.()
}

async function ipfsImport(path: string, dir: string): Promise<string> {
  const blockstore = new FsBlockstore(dir)
  await blockstore.open()
  let root = ''
  for await (const entry of importer([{ path: 'file', content: createReadStream(path, { highWaterMark: 1024 * 1024 }) }], blockstore)) root = entry.cid.toString()
  await blockstore.close()
  return root
}

/** CPU nanoseconds per byte of each stage, over one segment repeated. */
async function stageCosts(): Promise<Record<string, number>> {
  const segment = randomBytes(STORAGE_DEFAULTS.segmentSize)
  const shard = segment.subarray(0, STORAGE_DEFAULTS.segmentSize / K)
  const pool = new BufferPool()
  const rounds = 8
  const per = async (bytes: number, fn: () => unknown): Promise<number> => {
    await fn()
    const c0 = process.cpuUsage()
    for (let i = 0; i < rounds; i++) await fn()
    const c = process.cpuUsage(c0)
    return Number((((c.user + c.system) * 1000) / (rounds * bytes)).toFixed(3))
  }
  const key = randomBytes(32)
  const iv = randomBytes(12)
  return {
    aesGcm: await per(segment.length, () => {
      const c = createCipheriv('aes-256-gcm', key, iv)
      for (let at = 0; at < segment.length; at += 65536) c.update(segment.subarray(at, at + 65536))
      c.final()
    }),
    reedSolomon4to8: await per(segment.length, async () => {
      const encoded = await encodeSegment(segment, K, 8, pool)
      for (const b of encoded.buffers) pool.give(b)
    }),
    sha256: await per(shard.length, () => pieceCid(shard)),
    merkle4KiB: await per(shard.length, () => merkleRoot(shard, STORAGE_DEFAULTS.merkleLeafSize)),
    freshPages: await per(segment.length, () => Buffer.alloc(segment.length)),
  }
}

/** utime + stime of a process, in seconds (Linux). */
async function processCpu(pid: number): Promise<number> {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? []
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

interface ClientRun {
  cid: string
  putSeconds: number
  getSeconds: number
  putCpuSeconds: number
  getCpuSeconds: number
  peakRssMiB: number
  /** RSS once the SDK is loaded and the account made, before the put. */
  baseRssMiB: number
}

/**
 * Bundles bench/lib/storage-client.ts the way scripts/build-cli.mjs bundles the command: the
 * workspace packages inlined (each keeping its source file's import.meta.url), npm packages left
 * as imports. Written under node_modules/.cache so those imports resolve as from the repo.
 */
async function bundleClient(): Promise<string> {
  const outfile = join(here, '..', 'node_modules', '.cache', 'w3ai-bench', `storage-client-${process.pid}.mjs`)
  const externalNpm: Plugin = {
    name: 'external-npm',
    setup(b) {
      b.onResolve({ filter: /^[^./#]/ }, (args) => (args.path.startsWith('@w3ai/') || args.path.startsWith('node:') ? undefined : { path: args.path, external: true }))
    },
  }
  const sourceUrls: Plugin = {
    name: 'source-urls',
    setup(b) {
      b.onLoad({ filter: /[/\\]packages[/\\][^/\\]+[/\\]src[/\\].*\.ts$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8')
        return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' }
      })
    },
  }
  await build({
    entryPoints: [join(here, 'lib', 'storage-client.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [externalNpm, sourceUrls],
    logLevel: 'warning',
    banner: { js: "import { createRequire as __w3aiRequire } from 'node:module'; const require = __w3aiRequire(import.meta.url);" },
  })
  return outfile
}

/** Runs the bundled storage client in its own process. */
function runClient(client: string, hubUrl: string, file: string, out: string, prof?: string): Promise<ClientRun> {
  const args = [...(prof === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${prof}`]), client, hubUrl, file, out]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      const line = stdout.trim().split('\n').pop() ?? ''
      if (code !== 0) return reject(new Error(`storage client exited with ${code}: ${stdout}`))
      resolve(JSON.parse(line) as ClientRun)
    })
  })
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'w3ai-bench-storage-'))
  const file = join(work, 'input.bin')
  const back = join(work, 'output.bin')
  const devnetHome = join(work, 'devnet')
  await mkdir(devnetHome)
  console.log(`writing a ${values.mib} MiB random file…`)
  const digest = await writeRandomFile(file, SIZE)
  const nodes = Number(values.nodes)
  const total = Math.min(N + STORAGE_DEFAULTS.longTail, nodes)
  const client = await bundleClient()
  const devnet = await startDevnet({ home: devnetHome, nodes, hubPort: 0, logLevel: 'warn' })
  try {
    const stages = await stageCosts()
    const limit = await timed(() => inProcessLimit(file, total))
    const ipfs = await timed(() => ipfsImport(file, join(work, 'ipfs-blocks')))
    const serverPids = [devnet.hub.pid, ...devnet.nodes.map((n) => n.pid)]
    const cpuOf = async (): Promise<number[]> => Promise.all(serverPids.map(processCpu))
    // The servers' own background (heartbeats, timers) over an idle window, taken off below.
    const idle0 = await cpuOf()
    const idleSeconds = 3
    await new Promise((r) => setTimeout(r, idleSeconds * 1000))
    const idle1 = await cpuOf()
    const idleRate = idle1.map((c, i) => (c - (idle0[i] ?? 0)) / idleSeconds)
    const before = await cpuOf()
    const t0 = performance.now()
    const run = await runClient(client, devnet.hubUrl, file, back, values.prof)
    const wall = (performance.now() - t0) / 1000
    const after = await cpuOf()
    const busy = after.map((c, i) => Math.max(0, c - (before[i] ?? 0) - (idleRate[i] ?? 0) * wall))
    const intact = (await sha256File(back)) === digest
    if (!intact) throw new Error('downloaded bytes differ from the upload')
    const hubCpu = busy[0] ?? 0
    const nodesCpu = busy.slice(1).reduce((a, b) => a + b, 0)
    const idleCpuPerSecond = Number(idleRate.reduce((a, b) => a + b, 0).toFixed(2))
    await rm(back, { force: true })

    let peakRssMiB1GiB: number | undefined
    if (RSS_SIZE > 0) {
      console.log(`peak client memory: a ${values['rss-mib']} MiB put and get…`)
      const big = join(work, 'big.bin')
      const bigDigest = await writeRandomFile(big, RSS_SIZE)
      const bigRun = await runClient(client, devnet.hubUrl, big, back)
      if ((await sha256File(back)) !== bigDigest) throw new Error(`the ${values['rss-mib']} MiB round trip differs`)
      peakRssMiB1GiB = Math.round(bigRun.peakRssMiB)
      console.log(`  ${values['rss-mib']} MiB: put ${(RSS_SIZE / MB / bigRun.putSeconds).toFixed(1)} MB/s, get ${(RSS_SIZE / MB / bigRun.getSeconds).toFixed(1)} MB/s, RSS ${Math.round(bigRun.baseRssMiB)} MiB before, ${peakRssMiB1GiB} MiB at peak`)
      await rm(big, { force: true })
      await rm(back, { force: true })
    }

    const mbps = (s: number): number => Number((SIZE / MB / s).toFixed(1))
    const nsPerByte = (cpuSeconds: number): number => Number(((cpuSeconds * 1e9) / SIZE).toFixed(2))
    const result = {
      sizeBytes: SIZE,
      nodes,
      redundancy: `${K}/${N}`,
      piecesPerSegment: total,
      putMBps: mbps(run.putSeconds),
      getMBps: mbps(run.getSeconds),
      limitMBps: mbps(limit.seconds),
      ipfsImportMBps: mbps(ipfs.seconds),
      putVsIpfs: Number((ipfs.seconds / run.putSeconds).toFixed(2)),
      getVsIpfs: Number((ipfs.seconds / run.getSeconds).toFixed(2)),
      putVsLimit: Number((limit.seconds / run.putSeconds).toFixed(2)),
      /** Peak RSS of the client process for the `sizeBytes` put and get. */
      peakRssMiB: Math.round(run.peakRssMiB),
      /** The client's RSS with the SDK loaded, before any transfer. */
      baseRssMiB: Math.round(run.baseRssMiB),
      /** Peak RSS of the client process for a 1 GiB put and get (absent with --rss-mib 0). */
      ...(peakRssMiB1GiB === undefined ? {} : { peakRssMiB1GiB, rssSizeBytes: RSS_SIZE }),
      /** CPU seconds per second the hub and nodes spend idle (taken off their figures below). */
      serverIdleCpuPerSecond: idleCpuPerSecond,
      /** CPU nanoseconds per plaintext byte, per process and phase (put and get together for the servers, less their idle background). */
      cpuNsPerByte: {
        ipfsImporter: nsPerByte(ipfs.cpuSeconds),
        inProcessLimit: nsPerByte(limit.cpuSeconds),
        clientPut: nsPerByte(run.putCpuSeconds),
        clientGet: nsPerByte(run.getCpuSeconds),
        nodesPutAndGet: nsPerByte(nodesCpu),
        hubPutAndGet: nsPerByte(hubCpu),
      },
      /** CPU nanoseconds per byte each stage works on (8 MiB segments, 2 MiB shards). */
      stageNsPerByte: stages,
      intact,
      cid: run.cid,
    }
    const shardBytes = total / K
    printTable(`storage benchmark (${values.mib} MiB, ${nodes} nodes, ${result.redundancy} + ${total - N} spares, MB = 10^6 bytes)`, ['measure', 'MB/s', 'vs IPFS importer'], [
      ['IPFS importer to disk (baseline)', result.ipfsImportMBps, '1.00x'],
      ['in-process limit (AES-GCM + RS + CID + Merkle)', result.limitMBps, `${(ipfs.seconds / limit.seconds).toFixed(2)}x`],
      ['w3ai put (encrypt, 4-of-6, 6 nodes)', result.putMBps, `${result.putVsIpfs}x (${result.putVsLimit}x the limit)`],
      ['w3ai get (verify, decode, decrypt)', result.getMBps, `${result.getVsIpfs}x`],
    ])
    printTable('where the CPU goes (ns per byte; 2 cores give at most 2 CPU-s per s)', ['stage', 'ns/byte', 'per plaintext byte'], [
      ['AES-256-GCM (per segment byte)', stages.aesGcm!, stages.aesGcm!],
      [`Reed–Solomon 4→${total} (per segment byte)`, stages.reedSolomon4to8!, stages.reedSolomon4to8!],
      [`SHA-256 piece CID (per shard byte, ×${shardBytes})`, stages.sha256!, Number((stages.sha256! * shardBytes).toFixed(2))],
      [`Merkle root, 4 KiB leaves (per shard byte, ×${shardBytes})`, stages.merkle4KiB!, Number((stages.merkle4KiB! * shardBytes).toFixed(2))],
      ['fresh pages (a new 8 MiB buffer)', stages.freshPages!, '(what the pools avoid)'],
      ['IPFS importer, whole process', result.cpuNsPerByte.ipfsImporter, result.cpuNsPerByte.ipfsImporter],
      ['in-process limit, whole process', result.cpuNsPerByte.inProcessLimit, result.cpuNsPerByte.inProcessLimit],
      ['client process, put', result.cpuNsPerByte.clientPut, result.cpuNsPerByte.clientPut],
      ['client process, get', result.cpuNsPerByte.clientGet, result.cpuNsPerByte.clientGet],
      [`${nodes} node processes, put + get (less idle)`, result.cpuNsPerByte.nodesPutAndGet, result.cpuNsPerByte.nodesPutAndGet],
      ['hub process, put + get (less idle)', result.cpuNsPerByte.hubPutAndGet, result.cpuNsPerByte.hubPutAndGet],
    ])
    console.log(`\nhub and nodes idle: ${idleCpuPerSecond} CPU-s per s`)
    console.log(`client peak RSS: ${result.peakRssMiB} MiB for ${values.mib} MiB${peakRssMiB1GiB === undefined ? '' : `, ${peakRssMiB1GiB} MiB for ${values['rss-mib']} MiB`}`)
    console.log(`round trip intact: ${intact}; wrote ${await writeResult('storage', result)}`)
  } finally {
    await devnet.stop()
    await rm(work, { recursive: true, force: true })
    await rm(client, { force: true })
  }
}

await main()
