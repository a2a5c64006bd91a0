/**
 * `w3ai storage put|get|ls|info|rm|share|export`: W3S objects of the account in <home>/identity.json.
 * Files are encrypted and erasure-coded on this machine; the hub sees sizes, CIDs and the name
 * given with --name, never plaintext or a usable key.
 */
import { once } from 'node:events'
import { open, rename, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import type { Command } from 'commander'
import { StorageClient, type ChunkSink } from '@w3ai/sdk'
import { STORAGE_DEFAULTS, W3aiError, type Redundancy } from '@w3ai/protocol'
import { checkCid, parseAccountId, parseObjectName, parseRedundancy, parseRepair, parseSegmentSize } from '../args.js'
import { accountIdentityOf, hubClientOf, type CommonFlags } from '../context.js'
import { createOut, formatBytes, table } from '../output.js'
import { transferReporter, type TransferReporter } from '../transfer-progress.js'
import { withCommon } from './common.js'
import { printQuote, QUOTE_FLAG } from './quote.js'
import { checkInputFile, checkOutputFile } from './storage-files.js'
import { describeObject, describeSummary, objectRow, objectView, OBJECT_COLUMNS } from './storage-views.js'
import { listWith, moreNote, withListOptions, type ListFlags } from './paging.js'

interface PutFlags extends CommonFlags {
  redundancy?: { k: number; n: number }
  repair?: number
  segmentSize?: number
  name?: string
}

/** The identity first (a missing one is the likelier mistake), then the hub. */
async function storageClient(flags: CommonFlags): Promise<StorageClient> {
  const identity = await accountIdentityOf(flags)
  const hub = await hubClientOf(flags, identity)
  return new StorageClient(hub, identity)
}

/**
 * --redundancy K/N and --repair R as the upload asks for them; undefined leaves the choice to the
 * hub. The repair threshold defaults to min(N, K+1); --repair alone keeps the default K/N.
 */
export function redundancyOf(flags: Pick<PutFlags, 'redundancy' | 'repair'>): Redundancy | undefined {
  if (flags.redundancy === undefined && flags.repair === undefined) return undefined
  const { k, n } = flags.redundancy ?? { k: STORAGE_DEFAULTS.k, n: STORAGE_DEFAULTS.n }
  const repairThreshold = flags.repair ?? Math.min(n, k + 1)
  if (!(k >= 1 && k < n && n <= 64 && repairThreshold >= k && repairThreshold <= n)) {
    throw new W3aiError('STORAGE_BAD_REDUNDANCY', `Redundancy ${k}/${n} with repair threshold ${repairThreshold} is invalid: need 1 <= K < N <= 64 and K <= repair <= N.`)
  }
  return { k, n, repairThreshold }
}

async function withReporter<T>(reporter: TransferReporter, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } finally {
    reporter.done()
  }
}

/** Plaintext to stdout, honouring back-pressure; a closed pipe (`| head`) ends the download. */
function stdoutSink(): { sink: ChunkSink; close: () => void } {
  let failure: Error | undefined
  const onError = (err: Error): void => {
    failure = err
  }
  process.stdout.on('error', onError)
  const check = (): void => {
    if (failure === undefined && process.stdout.destroyed) failure = new Error('destroyed')
    if (failure !== undefined) throw new W3aiError('INTERNAL', `stdout was closed before the download ended (${(failure as NodeJS.ErrnoException).code ?? failure.message}); use -o FILE to keep the whole object.`)
  }
  return {
    async sink(chunk) {
      check()
      // once(…, 'drain') rejects on 'error'; check() then reports it with its cause.
      if (!process.stdout.write(chunk)) await once(process.stdout, 'drain').catch(() => undefined)
      check()
    },
    close: () => void process.stdout.off('error', onError),
  }
}

/** Writes through a temporary file renamed into place on success, so `path` is never partial. */
async function writeAtomically<T>(path: string, work: (sink: ChunkSink) => Promise<T>): Promise<T> {
  const tmp = `${path}.w3ai-${randomBytes(4).toString('hex')}.part`
  const handle = await open(tmp, 'w', 0o600)
  try {
    const result = await work(async (chunk) => void (await handle.write(chunk)))
    await handle.close()
    await rename(tmp, path)
    return result
  } catch (err) {
    await handle.close().catch(() => undefined)
    await rm(tmp, { force: true })
    throw err
  }
}

export function registerStorageCommands(program: Command): void {
  const storage = program.command('storage').description('W3S: encrypted, erasure-coded storage of files on the network')

  withCommon(storage.command('put'))
    .description('encrypt, erasure-code and upload a file; prints its CID (--json: the object summary)')
    .argument('<file>', 'the file to upload')
    .option('--redundancy <k/n>', `any K of N pieces rebuild each segment (default: the hub fits it to the online nodes, ${STORAGE_DEFAULTS.k}/${STORAGE_DEFAULTS.n} with ${STORAGE_DEFAULTS.n} or more)`, parseRedundancy)
    .option('--repair <r>', 'repair a segment when fewer than R pieces are healthy (default: min(N, K+1))', parseRepair)
    .option('--segment-size <bytes>', `plaintext bytes per segment (default ${STORAGE_DEFAULTS.segmentSize})`, parseSegmentSize)
    .option('--name <name>', 'a name shown by `storage ls` (stored in clear at the hub)', parseObjectName)
    .option(...QUOTE_FLAG)
    .action(async (file: string, flags: PutFlags & { quote?: boolean }) => {
      const out = createOut(flags.json === true)
      const redundancy = redundancyOf(flags)
      const stats = await checkInputFile(file)
      if (flags.quote === true) return printQuote(flags, { kind: 'upload', size: stats.size, ...(redundancy === undefined ? {} : { redundancy }) })
      const client = await storageClient(flags)
      const reporter = transferReporter({ quiet: out.json })
      const summary = await withReporter(reporter, () =>
        client.putFile(file, {
          ...(redundancy === undefined ? {} : { redundancy }),
          ...(flags.segmentSize === undefined ? {} : { segmentSize: flags.segmentSize }),
          ...(flags.name === undefined ? {} : { name: flags.name }),
          onProgress: reporter.onProgress,
        }),
      )
      out.result(summary, () => `stored ${summary.cid}\n${describeSummary(summary)}`)
    })

  withCommon(storage.command('get'))
    .description('download, verify and decrypt an object: to -o FILE (written atomically), else to stdout')
    .argument('<cid>', 'the object CID')
    .option('-o, --output <file>', 'write here instead of stdout; the file appears only once every byte verified')
    .action(async (cid: string, flags: CommonFlags & { output?: string }) => {
      const out = createOut(flags.json === true)
      checkCid(cid)
      const toStdout = flags.output === undefined || flags.output === '-'
      if (toStdout && out.json) throw new W3aiError('CLI_BAD_ARGUMENT', '--json needs -o FILE: without it the data itself goes to stdout.')
      if (!toStdout) await checkOutputFile(flags.output!)
      const client = await storageClient(flags)
      const reporter = transferReporter({ quiet: out.json })
      if (toStdout) {
        const stdout = stdoutSink()
        try {
          const summary = await withReporter(reporter, () => client.get(cid, stdout.sink, { onProgress: reporter.onProgress }))
          out.note(`downloaded ${formatBytes(summary.size)} of ${summary.cid}`)
        } finally {
          stdout.close()
        }
        return
      }
      const path = flags.output!
      const summary = await withReporter(reporter, () => client.getToFile(cid, path, { onProgress: reporter.onProgress }))
      out.result({ cid: summary.cid, size: summary.size, path }, () => `saved ${formatBytes(summary.size)} to ${path}`)
    })

  withListOptions(withCommon(storage.command('ls')))
    .description('objects you own or that were shared with you, newest first: the first 100, --limit N or --all (--json prints an array)')
    .action(async (flags: CommonFlags & ListFlags) => {
      const listed = await listWith(flags, await storageClient(flags))
      const objects = listed.items
      createOut(flags.json === true).result(objects, () => (objects.length === 0 ? 'no objects' : table(OBJECT_COLUMNS, objects.map(objectRow))))
      moreNote(listed, 'objects', 'w3ai storage ls')
    })

  withCommon(storage.command('info'))
    .description('an object: its health, and where each piece of each segment is stored')
    .argument('<cid>', 'the object CID')
    .action(async (cid: string, flags: CommonFlags) => {
      checkCid(cid)
      const detail = await (await storageClient(flags)).info(cid)
      const view = objectView(detail)
      createOut(flags.json === true).result(view, () => describeObject(view))
    })

  withCommon(storage.command('rm'))
    .description('delete an object you own; nodes drop its pieces')
    .argument('<cid>', 'the object CID')
    .action(async (cid: string, flags: CommonFlags) => {
      checkCid(cid)
      await (await storageClient(flags)).remove(cid)
      createOut(flags.json === true).result({ cid, removed: true }, () => `removed ${cid}`)
    })

  withCommon(storage.command('share'))
    .description('let another account download and decrypt an object (its key is re-wrapped to theirs)')
    .argument('<cid>', 'the object CID')
    .requiredOption('--with <account>', 'the account id to share with (their `w3ai account show`)', parseAccountId('--with'))
    .action(async (cid: string, flags: CommonFlags & { with: string }) => {
      checkCid(cid)
      await (await storageClient(flags)).share(cid, flags.with)
      createOut(flags.json === true).result({ cid, sharedWith: flags.with }, () => `shared ${cid} with ${flags.with}`)
    })

  withCommon(storage.command('export'))
    .description("write an object's encrypted pieces and manifest as a CAR file (no key: the data stays encrypted)")
    .argument('<cid>', 'the object CID')
    .requiredOption('--car <file>', 'the CAR file to write (written atomically)')
    .action(async (cid: string, flags: CommonFlags & { car: string }) => {
      const out = createOut(flags.json === true)
      checkCid(cid)
      await checkOutputFile(flags.car)
      const client = await storageClient(flags)
      const reporter = transferReporter({ quiet: out.json, unit: 'blocks' })
      let bytes = 0
      const { blocks } = await withReporter(reporter, () =>
        writeAtomically(flags.car, (sink) =>
          client.exportCar(
            cid,
            (chunk) => {
              bytes += chunk.length
              return sink(chunk)
            },
            { onProgress: reporter.onProgress },
          ),
        ),
      )
      out.result({ cid, car: flags.car, blocks, bytes }, () => `exported ${blocks} blocks (${formatBytes(bytes)}) to ${flags.car}`)
    })
}
