/**
 * Following a job with `w3ai job run --wait`, on stderr: on a terminal a cli-progress line with a
 * spinner, the replicas done, the status and the latest event; otherwise one plain line per new
 * event or status change, so logs of CI runs show retries and expirations as they happen.
 */
import cliProgress from 'cli-progress'
import type { Job } from '@w3ai/protocol'
import { eventText, replicasDone, TERMINAL_STATUSES } from './commands/job-views.js'
import { SPINNER_MS } from './constants.js'

export interface JobReporter {
  onUpdate: (job: Job) => void
  done: () => void
}

export interface JobReporterOptions {
  /** Silent when true (--json). */
  quiet: boolean
  stream?: NodeJS.WriteStream
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export function jobReporter(options: JobReporterOptions): JobReporter {
  const stream = options.stream ?? process.stderr
  if (options.quiet) return { onUpdate: () => undefined, done: () => undefined }
  return stream.isTTY === true ? terminalReporter(stream) : lineReporter(stream)
}

function terminalReporter(stream: NodeJS.WriteStream): JobReporter {
  let bar: cliProgress.SingleBar | undefined
  let timer: NodeJS.Timeout | undefined
  let frame = 0
  const stop = (): void => {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
    bar?.stop()
    bar = undefined
  }
  return {
    onUpdate(job) {
      const last = job.history.at(-1)
      const payload = { id: job.id, status: job.status, event: last === undefined ? '-' : eventText(last), spinner: FRAMES[frame % FRAMES.length] }
      if (bar === undefined) {
        bar = new cliProgress.SingleBar(
          { format: '{spinner} job {id} [{bar}] {value}/{total} replicas | {status} | {event}', stream, hideCursor: true, clearOnComplete: false, barsize: 20, linewrap: false },
          cliProgress.Presets.shades_classic,
        )
        bar.start(Math.max(job.replicas, 1), replicasDone(job), payload)
        timer = setInterval(() => bar?.update({ spinner: FRAMES[++frame % FRAMES.length] }), SPINNER_MS)
        timer.unref()
      }
      bar.setTotal(Math.max(job.replicas, 1))
      bar.update(replicasDone(job), payload)
      if (TERMINAL_STATUSES.has(job.status)) stop()
    },
    done: stop,
  }
}

function lineReporter(stream: NodeJS.WriteStream): JobReporter {
  let seen = 0
  let status = ''
  return {
    onUpdate(job) {
      const fresh = job.history.slice(seen)
      seen = job.history.length
      for (const e of fresh) stream.write(`job ${job.id} ${job.status}: ${eventText(e)}\n`)
      if (fresh.length === 0 && job.status !== status) stream.write(`job ${job.id} ${job.status}\n`)
      status = job.status
    },
    done: () => undefined,
  }
}
