/** Waiting for the request to stop a foreground command, and the ready line children print. */
import { EXIT_WITH_PARENT_ENV, READY_PREFIX } from './constants.js'

/**
 * Resolves on the first SIGINT or SIGTERM (or, for children of a devnet, when the parent's stdin
 * pipe closes). The handlers stay installed so a parent's follow-up SIGTERM cannot kill the
 * process mid-shutdown; a second SIGINT (a person pressing Ctrl-C again) exits at once.
 */
export function untilStopRequested(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve) => {
    let requested = false
    const request = (why: string): void => {
      if (!requested) {
        requested = true
        // A paused-for-nothing stdin would keep the event loop, and so the process, alive.
        if (env[EXIT_WITH_PARENT_ENV] === '1') process.stdin.destroy()
        resolve(why)
      } else if (why === 'SIGINT') process.exit(130)
    }
    process.on('SIGINT', () => request('SIGINT'))
    process.on('SIGTERM', () => request('SIGTERM'))
    if (env[EXIT_WITH_PARENT_ENV] === '1') {
      process.stdin.on('end', () => request('parent exited'))
      process.stdin.on('close', () => request('parent exited'))
      process.stdin.on('error', () => request('parent exited'))
      process.stdin.resume()
    }
  })
}

/** The one line devnet kits wait for: `W3AI_READY {json}`. */
export function printReady(data: Record<string, unknown>): void {
  process.stdout.write(READY_PREFIX + JSON.stringify(data) + '\n')
}
