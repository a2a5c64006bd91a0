/**
 * The sandbox child's entry point. It waits for one `run` message, imports the executor module
 * named in it, runs the task and answers with exactly one `result` or `error`, then exits. The
 * parent enforces the limits; this side only reports, checks the output size before sending
 * (so an oversized result never crosses the channel) and turns thrown errors into codes.
 */
import { describe, toErrorMessage } from './child-errors.js'
import { SandboxError } from './errors.js'
import type { ExecutorContext, SandboxExecutor } from './executor.js'
import { MAX_PROGRESS_BYTES, RSS_POLL_MS } from './limits.js'
import { isRunMessage, type ChildMessage, type RunMessage } from './messages.js'
import { startOrphanGuard } from './orphan-guard.js'
import { measureSize } from './size.js'

/** Extra time past startup + run after which the child kills itself if the parent has not. */
const GUARD_SLACK_MS = 5_000

function send(message: ChildMessage, done?: () => void): void {
  process.send?.(message, undefined, undefined, () => done?.())
}

/** Send the final message, then exit once it has been written to the channel. */
function finish(message: ChildMessage): void {
  try {
    send(message, () => process.exit(0))
  } catch (err) {
    // The result could not be cloned (a function, a class instance with private state, ...).
    send({ type: 'error', code: 'COMPUTE_EXECUTOR_FAILED', message: `The result cannot be sent: ${describe(err)}` }, () => process.exit(0))
  }
}

async function loadExecutor(run: RunMessage): Promise<SandboxExecutor> {
  const mod = (await import(run.executor.module)) as Record<string, unknown>
  const executor = mod[run.executor.exportName] as Partial<SandboxExecutor> | undefined
  if (typeof executor?.run !== 'function') {
    throw new Error(`${run.executor.module} has no executor export "${run.executor.exportName}"`)
  }
  return executor as SandboxExecutor
}

async function handle(run: RunMessage): Promise<void> {
  startOrphanGuard(Date.now() + run.limits.startupMs + run.limits.timeMs + GUARD_SLACK_MS)
  if (run.reportRss) {
    setInterval(() => send({ type: 'rss', bytes: process.memoryUsage.rss() }), RSS_POLL_MS).unref()
  }
  let executor: SandboxExecutor
  try {
    executor = await loadExecutor(run)
  } catch (err) {
    finish({ type: 'error', code: 'COMPUTE_EXECUTOR_FAILED', message: `Executor "${run.executor.name}" failed to load: ${describe(err)}` })
    return
  }
  const context: ExecutorContext = {
    limits: run.limits,
    progress(data) {
      if (measureSize(data, MAX_PROGRESS_BYTES) <= MAX_PROGRESS_BYTES) send({ type: 'progress', data })
    },
  }
  send({ type: 'started' })
  try {
    const value = await executor.run(run.payload, context)
    const size = measureSize(value, run.limits.maxOutputBytes)
    if (size > run.limits.maxOutputBytes) {
      throw new SandboxError('COMPUTE_OUTPUT_TOO_LARGE', `The result is larger than maxOutputBytes (${run.limits.maxOutputBytes})`)
    }
    finish({ type: 'result', value })
  } catch (err) {
    finish(toErrorMessage(err))
  }
}

// A parent that went away cannot receive a result: stop at once.
process.on('disconnect', () => process.exit(0))
process.once('message', (message: unknown) => {
  if (isRunMessage(message)) void handle(message)
  else finish({ type: 'error', code: 'COMPUTE_CRASHED', message: 'The sandbox child got an unexpected first message' })
})
send({ type: 'ready' })
