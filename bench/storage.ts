/**
 * Storage benchmark: put and get of one file (default 256 MiB) on a 6-node devnet (real hub and
 * node processes, 4-of-6 Reed–Solomon, AES-256-GCM, pieces over HTTP to the nodes' disks).
 * Same run, same file:
 *  (a) the in-process limit: AES-256-GCM + Reed–Solomon encoding + SHA-256 of every shard, no
 *      network and no disk;
 *  (b) IPFS's importer (ipfs-unixfs-importer into an on-disk blockstore-fs) — plain chunking and
 *      hashing to disk, with no encryption and no redundancy.
 *
 *   npm run bench -- storage [--mib 256] [--nodes 6]
 */
import { createHash, randomBytes, randomFillSync } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startDevnet } from '@w3ai/cli'
import { generateIdentity } from '@w3ai/crypto'
import { STORAGE_DEFAULTS } from '@w3ai/protocol'
import { HubClient, StorageClient } from '@w3ai/sdk'
import { encodeSegment, encryptSegment, pieceCid } from '@w3ai/storage'
import { FsBlockstore } from 'blockstore-fs'
import { importer } from 'ipfs-unixfs-importer'
import { printTable, writeResult } from './lib/report.js'

const { values } = parseArgs({ options: { mib: { type: 'string', default: '256' }, nodes: { type: 'string', default: '6' } } })
const SIZE = Number(values.mib) * 1024 * 1024
const MB = 1e6

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

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now()
  const value = await fn()
  return { value, seconds: (performance.now() - t0) / 1000 }
}

/** AES-256-GCM + Reed–Solomon + SHA-256 over the file's segments, from a file read stream. */
async function inProcessLimit(path: string, k: number, total: number): Promise<void> {
  const key = randomBytes(32)
  let index = 0
  let pending: Buffer[] = []
  let pendingBytes = 0
  const flush = async (segment: Buffer): Promise<void> => {
    const { shards } = await encodeSegment(await encryptSegment(segment, key, index++), k, total)
    for (const s of shards) pieceCid(s)
  }
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    pending.push(chunk as Buffer)
    pendingBytes += (chunk as Buffer).length
    if (pendingBytes >= STORAGE_DEFAULTS.segmentSize) {
      const all = Buffer.concat(pending)
      await flush(all.subarray(0, STORAGE_DEFAULTS.segmentSize))
      pending = [all.subarray(STORAGE_DEFAULTS.segmentSize)]
      pendingBytes = pending[0]!.length
    }
  }
  if (pendingBytes > 0) await flush(Buffer.concat(pending))
}

async function ipfsImport(path: string, dir: string): Promise<string> {
  const blockstore = new FsBlockstore(dir)
  await blockstore.open()
  let root = ''
  for await (const entry of importer([{ path: 'file', content: createReadStream(path, { highWaterMark: 1024 * 1024 }) }], blockstore)) root = entry.cid.toString()
  await blockstore.close()
  return root
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
  const devnet = await startDevnet({ home: devnetHome, nodes, hubPort: 0, logLevel: 'warn' })
  try {
    const identity = generateIdentity('account')
    const hub = new HubClient({ url: devnet.hubUrl, identity })
    await hub.createAccount({ name: 'bench', encryptionKey: identity.encryptionKey })
    const storage = new StorageClient(hub, identity)

    const limit = await timed(() => inProcessLimit(file, STORAGE_DEFAULTS.k, Math.min(STORAGE_DEFAULTS.n + STORAGE_DEFAULTS.longTail, nodes)))
    const ipfs = await timed(() => ipfsImport(file, join(work, 'ipfs-blocks')))
    const put = await timed(() => storage.putFile(file))
    const get = await timed(() => storage.getToFile(put.value.cid, back))
    const intact = (await sha256File(back)) === digest
    if (!intact) throw new Error('downloaded bytes differ from the upload')

    const mbps = (s: number): number => SIZE / MB / s
    const result = {
      sizeBytes: SIZE,
      nodes,
      redundancy: `${STORAGE_DEFAULTS.k}/${STORAGE_DEFAULTS.n}`,
      putMBps: Number(mbps(put.seconds).toFixed(1)),
      getMBps: Number(mbps(get.seconds).toFixed(1)),
      limitMBps: Number(mbps(limit.seconds).toFixed(1)),
      ipfsImportMBps: Number(mbps(ipfs.seconds).toFixed(1)),
      putVsIpfs: Number((ipfs.seconds / put.seconds).toFixed(2)),
      getVsIpfs: Number((ipfs.seconds / get.seconds).toFixed(2)),
      intact,
      cid: put.value.cid,
    }
    printTable(`storage benchmark (${values.mib} MiB, ${nodes} nodes, ${result.redundancy}, MB = 10^6 bytes)`, ['measure', 'MB/s', 'vs IPFS importer'], [
      ['IPFS importer to disk (baseline)', result.ipfsImportMBps, '1.00x'],
      ['in-process limit (AES-GCM + RS + SHA-256)', result.limitMBps, `${(ipfs.seconds / limit.seconds).toFixed(2)}x`],
      ['w3ai put (encrypt, 4-of-6, 6 nodes)', result.putMBps, `${result.putVsIpfs}x`],
      ['w3ai get (verify, decode, decrypt)', result.getMBps, `${result.getVsIpfs}x`],
    ])
    console.log(`\nround trip intact: ${intact}; wrote ${await writeResult('storage', result)}`)
  } finally {
    await devnet.stop()
    await rm(work, { recursive: true, force: true })
  }
}

await main()
