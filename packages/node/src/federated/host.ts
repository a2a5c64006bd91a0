/**
 * The node's federated host: one long-lived child process (the sandbox of federated work) that
 * keeps TF.js loaded between rounds, since a fresh process per piece of work spent seconds
 * loading TF.js for milliseconds of training. Limits are the sandbox's, enforced from outside: a
 * piece of work past its time, a child past its memory (resident size, polled) or one that is
 * cancelled is killed, its work fails with COMPUTE_TIMEOUT, COMPUTE_MEMORY_LIMIT or
 * COMPUTE_CANCELLED, and the next piece starts a new child. A child idle for a while exits.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { sourceModule, type SandboxLimits } from '@w3ai/compute'
import { W3aiError, isErrorCode } from '@w3ai/protocol'
import type { FlClientPayload, FlClientResult } from './client-task.js'
import type { HostReply, HostRequest } from './host-protocol.js'

/** Environment variables the child keeps: none of the node's own settings. */
const ENV_ALLOWLIST = ['PATH', 'TMPDIR', 'TMP', 'TEMP', 'HOME', 'LANG', 'TZ']
const RSS_POLL_MS = 250
/** Time the child may take to start and load TF.js. */
const STARTUP_MS = 60_000

export interface FlHostOptions {
  /** The child's memory (resident), in MiB; also bounds its JS heap. Default 1024. */
  memoryMb?: number
  /** A child with no work for this long exits (it starts again with the next piece). Default 5 minutes. */
  idleMs?: number
}

interface Pending {
  resolve: (r: FlClientResult) => void
  reject: (e: unknown) => void
}

async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const statm = await readFile(`/proc/${pid}/statm`, 'utf8')
    return Number(statm.split(' ')[1]) * 4096
  } catch {
    return undefined
  }
}

export class FlHost {
  private child: ChildProcess | undefined
  private ready: Promise<ChildProcess> | undefined
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private idleTimer: NodeJS.Timeout | undefined
  private rssTimer: NodeJS.Timeout | undefined
  private closed = false

  constructor(private readonly o: FlHostOptions = {}) {}

  /** Runs one piece of federated work under `limits` (timeMs from when it is sent). */
  async run(payload: FlClientPayload, limits: SandboxLimits, signal: AbortSignal): Promise<FlClientResult> {
    if (this.closed) throw new W3aiError('COMPUTE_CANCELLED', 'The node is stopping.')
    if (signal.aborted) throw new W3aiError('COMPUTE_CANCELLED')
    clearTimeout(this.idleTimer)
    const child = await this.start()
    // Starting a child takes a while: the work may have been cancelled meanwhile.
    if (signal.aborted) throw new W3aiError('COMPUTE_CANCELLED')
    const id = this.nextId++
    return new Promise<FlClientResult>((resolve, reject) => {
      const timer = setTimeout(() => this.kill(new W3aiError('COMPUTE_TIMEOUT', `The federated work ran longer than its limit of ${limits.timeMs} ms.`)), limits.timeMs ?? 60_000)
      const onAbort = (): void => this.kill(new W3aiError('COMPUTE_CANCELLED'))
      signal.addEventListener('abort', onAbort, { once: true })
      const settle = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        this.pending.delete(id)
        if (this.pending.size === 0) this.armIdle()
      }
      this.pending.set(id, {
        resolve: (r) => {
          settle()
          resolve(r)
        },
        reject: (e) => {
          settle()
          reject(e)
        },
      })
      const request: HostRequest = { id, payload }
      child.send(request, (err) => {
        if (err !== null && err !== undefined) this.pending.get(id)?.reject(new W3aiError('COMPUTE_CRASHED', `The federated host could not take the work: ${err.message}`))
      })
    })
  }

  /** Stops the child; work in flight fails with COMPUTE_CANCELLED. */
  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.idleTimer)
    this.kill(new W3aiError('COMPUTE_CANCELLED', 'The node is stopping.'))
  }

  private start(): Promise<ChildProcess> {
    this.ready ??= new Promise<ChildProcess>((resolve, reject) => {
      const entry = sourceModule('./host-child.js', import.meta.url)
      const memoryMb = this.o.memoryMb ?? 1024
      const execArgv = ['--no-warnings', `--max-old-space-size=${Math.floor(memoryMb)}`]
      // From TypeScript sources (the repo's normal mode) the child needs tsx, as sandbox children do.
      if (entry.endsWith('.ts')) execArgv.push('--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href)
      const env: Record<string, string> = {}
      for (const name of ENV_ALLOWLIST) if (process.env[name] !== undefined) env[name] = process.env[name] as string
      const child = fork(fileURLToPath(entry), [], { execArgv, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' })
      child.stderr?.resume()
      this.child = child
      const startup = setTimeout(() => this.kill(new W3aiError('COMPUTE_TIMEOUT', `The federated host did not start within ${STARTUP_MS} ms.`)), STARTUP_MS)
      child.on('message', (reply: HostReply) => {
        if (reply.id === 0 && reply.ok) {
          clearTimeout(startup)
          resolve(child)
          return
        }
        const p = this.pending.get(reply.id)
        if (p === undefined) return
        if (reply.ok) p.resolve(reply.result as FlClientResult)
        else p.reject(new W3aiError(isErrorCode(reply.code) ? reply.code : 'COMPUTE_EXECUTOR_FAILED', reply.message))
      })
      child.on('exit', (code, sig) => {
        clearTimeout(startup)
        clearInterval(this.rssTimer)
        if (this.child === child) {
          this.child = undefined
          this.ready = undefined
        }
        const error = new W3aiError('COMPUTE_CRASHED', `The federated host exited (${sig ?? `code ${code}`}).`)
        reject(error)
        for (const p of [...this.pending.values()]) p.reject(error)
      })
      this.rssTimer = setInterval(() => {
        if (child.pid === undefined) return
        void residentBytes(child.pid).then((bytes) => {
          if (bytes !== undefined && bytes > memoryMb * 1024 * 1024) this.kill(new W3aiError('COMPUTE_MEMORY_LIMIT', `The federated work used ${Math.round(bytes / 2 ** 20)} MiB, over its limit of ${memoryMb} MiB.`))
        })
      }, RSS_POLL_MS)
      this.rssTimer.unref()
    })
    return this.ready
  }

  /** Kills the child; its pending work fails with `reason`. */
  private kill(reason: W3aiError): void {
    const child = this.child
    for (const p of [...this.pending.values()]) p.reject(reason)
    if (child === undefined) return
    this.child = undefined
    this.ready = undefined
    clearInterval(this.rssTimer)
    child.kill('SIGKILL')
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => this.kill(new W3aiError('COMPUTE_CANCELLED')), this.o.idleMs ?? 5 * 60_000)
    this.idleTimer.unref()
  }
}
