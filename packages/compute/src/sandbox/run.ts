/**
 * Parent side of the sandbox: start a child, hand it one task, enforce the limits from outside
 * and turn every way the child can end into a result or a SandboxError. Nothing the child does
 * (crash, hang, flood, allocate) can throw in the parent: every path ends in `settle`.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { isComputeErrorCode } from './codes.js'
import { SandboxError } from './errors.js'
import { EXIT_GRACE_MS, LOG_TAIL_BYTES, RSS_POLL_MS, resolveLimits, type ResolvedLimits, type SandboxLimits } from './limits.js'
import { isChildMessage, type ChildMessage, type ExecutorRef, type RunMessage } from './messages.js'
import { defaultExecutors, type ExecutorRegistry } from './registry.js'
import { PROC_RSS_AVAILABLE, readProcRss } from './rss.js'
import { measureSize } from './size.js'
import { childCommand } from './spawn.js'
import type { SandboxStats } from './stats.js'
import { TailBuffer } from './tail.js'

export type { SandboxStats } from './stats.js'

export interface RunSandboxedOptions<P = unknown> {
  /** Name of a registered executor, e.g. 'wasm'. */
  executor: string
  /** The task input; any structured-cloneable value (Uint8Arrays travel as bytes). */
  payload: P
  limits?: SandboxLimits
  /** Called with each progress message the executor sends; exceptions thrown here are ignored. */
  onProgress?: (data: unknown) => void
  /** Aborting kills the child and rejects with COMPUTE_CANCELLED. */
  signal?: AbortSignal
  /** Defaults to the shared registry (built-ins plus registerExecutor calls). */
  registry?: ExecutorRegistry
}

export interface SandboxOutcome<R> {
  result: R
  stats: SandboxStats
  /** Tail of the child's stdout and stderr, for diagnostics only. */
  logs: string
}

/** Run one task of `executor` in a fresh child process under `limits`. */
export async function runSandboxed<R = unknown, P = unknown>(options: RunSandboxedOptions<P>): Promise<SandboxOutcome<R>> {
  const limits = resolveLimits(options.limits)
  const executor = (options.registry ?? defaultExecutors).resolve(options.executor)
  if (options.signal?.aborted) throw new SandboxError('COMPUTE_CANCELLED')
  return new Promise((resolve, reject) => {
    superviseChild(executor, options, limits, (outcome) => {
      if (outcome instanceof SandboxError) reject(outcome)
      else resolve(outcome as SandboxOutcome<R>)
    })
  })
}

/** Kill the child's whole process group (it is started detached), so helpers it spawned die too. */
function killTree(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    try {
      child.kill('SIGKILL')
    } catch {
      // Already gone.
    }
  }
}

const HEAP_OOM = /JavaScript heap out of memory|Reached heap limit|Allocation failed/

function superviseChild(
  executor: ExecutorRef,
  options: RunSandboxedOptions,
  limits: ResolvedLimits,
  settle: (outcome: SandboxOutcome<unknown> | SandboxError) => void,
): void {
  const spawnedAt = performance.now()
  let startedAt: number | undefined
  let answeredAt: number | undefined
  let peakRssBytes = 0
  let answer: { value: unknown } | { error: SandboxError } | undefined
  let killReason: SandboxError | undefined
  let settled = false
  const logs = new TailBuffer(LOG_TAIL_BYTES)
  const timers: NodeJS.Timeout[] = []

  const command = childCommand(limits, process.env, executor.module)
  const child = fork(command.modulePath, [], {
    execPath: process.execPath,
    execArgv: command.execArgv,
    env: command.env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
    detached: true,
  })

  const stop = (reason: SandboxError): void => {
    if (settled || killReason !== undefined || answer !== undefined) return
    killReason = reason
    killTree(child)
  }

  const stats = (): SandboxStats => {
    const end = answeredAt ?? performance.now()
    return { runMs: startedAt === undefined ? 0 : end - startedAt, totalMs: performance.now() - spawnedAt, peakRssBytes }
  }

  const finish = (outcome: SandboxOutcome<unknown> | SandboxError): void => {
    if (settled) return
    settled = true
    if (outcome instanceof SandboxError) outcome.stats = stats()
    for (const timer of timers) clearTimeout(timer)
    options.signal?.removeEventListener('abort', onAbort)
    // Only a live child is killed: the pid of one already reaped could belong to someone else.
    if (child.exitCode === null && child.signalCode === null) killTree(child)
    settle(outcome)
  }

  const checkRss = (bytes: number): void => {
    peakRssBytes = Math.max(peakRssBytes, bytes)
    if (bytes > limits.memoryMb * 1024 * 1024) {
      stop(new SandboxError('COMPUTE_MEMORY_LIMIT', `The task used ${Math.round(bytes / 2 ** 20)} MiB, over its limit of ${limits.memoryMb} MiB`, { rssBytes: bytes }))
    }
  }

  const onAbort = (): void => stop(new SandboxError('COMPUTE_CANCELLED'))
  options.signal?.addEventListener('abort', onAbort, { once: true })

  const startupTimer = setTimeout(() => stop(new SandboxError('COMPUTE_TIMEOUT', `The sandbox did not start within ${limits.startupMs} ms`)), limits.startupMs)
  timers.push(startupTimer)

  if (PROC_RSS_AVAILABLE) {
    let reading = false
    timers.push(setInterval(() => {
      if (reading || child.pid === undefined) return
      reading = true
      void readProcRss(child.pid).then((bytes) => {
        reading = false
        if (bytes !== undefined) checkRss(bytes)
      })
    }, RSS_POLL_MS))
  }

  const onMessage = (message: ChildMessage): void => {
    if (killReason !== undefined || answer !== undefined) return
    switch (message.type) {
      case 'ready': {
        const run: RunMessage = { type: 'run', executor, payload: options.payload, limits, reportRss: !PROC_RSS_AVAILABLE }
        try {
          child.send(run, undefined, undefined, () => undefined)
        } catch (err) {
          stop(new SandboxError('COMPUTE_BAD_INPUT', `The payload cannot be sent to the sandbox: ${err instanceof Error ? err.message : String(err)}`))
        }
        return
      }
      case 'started':
        startedAt = performance.now()
        clearTimeout(startupTimer)
        timers.push(setTimeout(() => stop(new SandboxError('COMPUTE_TIMEOUT', `The task ran longer than its limit of ${limits.timeMs} ms`)), limits.timeMs))
        return
      case 'progress':
        try {
          options.onProgress?.(message.data)
        } catch {
          // A failing progress callback must not fail or hang the task.
        }
        return
      case 'rss':
        if (typeof message.bytes === 'number') checkRss(message.bytes)
        return
      case 'result':
      case 'error':
        answeredAt = performance.now()
        answer = message.type === 'result' ? checkedResult(message.value, limits) : { error: fromChildError(message) }
        // The child exits by itself after answering; one that lingers is killed.
        timers.push(setTimeout(() => killTree(child), EXIT_GRACE_MS))
    }
  }

  child.on('message', (message: unknown) => {
    if (isChildMessage(message)) onMessage(message)
  })
  child.stdout?.on('data', (chunk: Buffer) => logs.push(chunk))
  child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk))
  child.stdout?.on('error', () => undefined)
  child.stderr?.on('error', () => undefined)
  child.on('error', (err) => {
    // Spawn failures have no pid and no 'close' to wait for; other errors (EPIPE on send) are
    // followed by 'close'.
    if (child.pid === undefined) finish(new SandboxError('COMPUTE_CRASHED', `The sandbox could not start: ${err.message}`))
  })
  // 'close' rather than 'exit': it waits for stderr to drain, which heap-OOM detection reads.
  child.on('close', (code, signal) => {
    if (answer !== undefined) {
      finish('value' in answer ? { result: answer.value, stats: stats(), logs: logs.toString() } : answer.error)
    } else if (killReason !== undefined) {
      finish(killReason)
    } else {
      const text = logs.toString()
      if (HEAP_OOM.test(text)) {
        finish(new SandboxError('COMPUTE_MEMORY_LIMIT', `The task ran out of JavaScript heap (limit ${limits.memoryMb} MiB)`, { logs: text }))
      } else {
        const how = signal === null ? `exited with code ${String(code)}` : `was killed by ${signal}`
        finish(new SandboxError('COMPUTE_CRASHED', `The sandbox process ${how} before answering`, { exitCode: code, signal, logs: text }))
      }
    }
  })
}

/** The parent checks the size again: the limit must hold even if the child misbehaves. */
function checkedResult(value: unknown, limits: ResolvedLimits): { value: unknown } | { error: SandboxError } {
  if (measureSize(value, limits.maxOutputBytes) > limits.maxOutputBytes) {
    return { error: new SandboxError('COMPUTE_OUTPUT_TOO_LARGE', `The result is larger than maxOutputBytes (${limits.maxOutputBytes})`) }
  }
  return { value }
}

function fromChildError(message: Extract<ChildMessage, { type: 'error' }>): SandboxError {
  const code = isComputeErrorCode(message.code) ? message.code : 'COMPUTE_EXECUTOR_FAILED'
  const details = typeof message.details === 'object' && message.details !== null ? message.details : undefined
  return new SandboxError(code, typeof message.message === 'string' ? message.message : undefined, details)
}
