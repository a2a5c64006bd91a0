/**
 * One `w3ai` child process (a hub or a node): spawned with its output appended to a log file,
 * ready once it prints its `W3AI_READY {json}` line, stopped with SIGTERM then SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, fchmodSync, fstatSync, openSync } from 'node:fs'
import { chmod, mkdir, open } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { W3aiError } from '@w3ai/protocol'
import { EXIT_WITH_PARENT_ENV, POLL_MS, READY_PREFIX, START_TIMEOUT_MS, STOP_TIMEOUT_MS } from './constants.js'

/** The command's entry point, run with this Node binary so children match the parent's runtime. */
export const W3AI_BIN = fileURLToPath(new URL('../bin/w3ai.js', import.meta.url))

export interface ChildSpec {
  /** Shown in errors, e.g. `hub` or `node-2`. */
  name: string
  /** Arguments after `w3ai`; a function so a restart can reuse what the first start learned. */
  args: () => string[]
  logFile: string
  /** Detached children survive this process and are not tied to its stdin. */
  detached: boolean
  env?: NodeJS.ProcessEnv
  startTimeoutMs?: number
}

/**
 * Sets this process's umask to 077, so what it creates is its user's alone (files 0600,
 * directories 0700); returns the previous mask, or undefined where it cannot be set.
 */
export function restrictUmask(): number | undefined {
  if (process.platform === 'win32') return undefined
  try {
    return process.umask(0o077)
  } catch {
    return undefined // worker threads: the children still tighten their own files
  }
}

export class W3aiChild<Ready extends object = Record<string, unknown>> {
  private child: ChildProcess | undefined
  private exited: Promise<void> = Promise.resolve()
  private running = false
  /** The JSON the child printed on its ready line. */
  ready: Ready | undefined

  constructor(private readonly spec: ChildSpec) {}

  get pid(): number {
    return this.child?.pid ?? -1
  }

  get alive(): boolean {
    return this.running
  }

  /** Spawns the child and resolves with its ready JSON; kills it and throws DEVNET_START_FAILED otherwise. */
  async start(): Promise<Ready> {
    if (this.running) throw new Error(`${this.spec.name} is already running`)
    // Logs are the user's alone (issue 8 A2): the directory 0700, the file 0600.
    await mkdir(dirname(this.spec.logFile), { recursive: true, mode: 0o700 })
    if (process.platform !== 'win32') await chmod(dirname(this.spec.logFile), 0o700)
    const fd = openSync(this.spec.logFile, 'a', 0o600)
    if (process.platform !== 'win32') fchmodSync(fd, 0o600)
    const offset = fstatSync(fd).size
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.spec.env }
    if (this.spec.detached) delete env[EXIT_WITH_PARENT_ENV]
    else env[EXIT_WITH_PARENT_ENV] = '1'
    let child: ChildProcess
    // The child inherits a umask of 077, so every file a hub or node creates is 0600 and every
    // directory 0700 (its own code tightens what it can too); ours is restored at once.
    const previousMask = restrictUmask()
    try {
      child = spawn(process.execPath, [W3AI_BIN, ...this.spec.args()], {
        stdio: [this.spec.detached ? 'ignore' : 'pipe', fd, fd],
        detached: this.spec.detached,
        env,
      })
    } finally {
      if (previousMask !== undefined) process.umask(previousMask)
      closeSync(fd)
    }
    this.child = child
    this.running = true
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        this.running = false
        resolve()
      })
      child.once('error', () => {
        this.running = false
        resolve()
      })
    })
    if (this.spec.detached) child.unref()
    // The pipe only exists to signal our death; it must not keep this process alive.
    ;(child.stdin as unknown as { unref?: () => void } | null)?.unref?.()
    try {
      this.ready = await this.waitReady(offset)
      return this.ready
    } catch (err) {
      this.kill('SIGKILL')
      await this.exited
      throw err
    }
  }

  private async waitReady(offset: number): Promise<Ready> {
    const timeoutMs = this.spec.startTimeoutMs ?? START_TIMEOUT_MS
    const end = Date.now() + timeoutMs
    const file = await open(this.spec.logFile, 'r')
    try {
      let text = ''
      let position = offset
      const buffer = Buffer.alloc(64 * 1024)
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, buffer.length, position)
        position += bytesRead
        text += buffer.subarray(0, bytesRead).toString('utf8')
        const line = text.split('\n').find((l) => l.startsWith(READY_PREFIX) && l.endsWith('}'))
        if (line !== undefined) return JSON.parse(line.slice(READY_PREFIX.length)) as Ready
        if (bytesRead > 0) continue
        if (!this.running) throw this.failure(`exited before it was ready`, text)
        if (Date.now() > end) throw this.failure(`was not ready within ${timeoutMs} ms`, text)
        await new Promise((r) => setTimeout(r, POLL_MS / 2))
      }
    } finally {
      await file.close()
    }
  }

  private failure(what: string, output: string): W3aiError {
    const tail = output.trim().split('\n').slice(-5).join('\n')
    return new W3aiError('DEVNET_START_FAILED', `The ${this.spec.name} process ${what}; see ${this.spec.logFile}.${tail === '' ? '' : `\n${tail}`}`)
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.running) return
    try {
      this.child?.kill(signal)
    } catch {
      // already gone
    }
  }

  /** Graceful stop: SIGTERM, then SIGKILL after `timeoutMs`. Idempotent. */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
    if (!this.running) return this.exited
    this.kill('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs)
    })
    const forced = await Promise.race([this.exited.then(() => false), timedOut])
    clearTimeout(timer)
    if (forced) {
      this.kill('SIGKILL')
      await this.exited
    }
  }

  /** Resolves when the current process has exited. */
  waitExit(): Promise<void> {
    return this.exited
  }

  async restart(): Promise<Ready> {
    await this.stop()
    return this.start()
  }
}
