/**
 * Progress of a storage transfer on stderr: a bar on a terminal, a plain line now and then
 * elsewhere (logs, CI), nothing with --json. Never writes to stdout, which may carry the data.
 */
import cliProgress from 'cli-progress'
import type { TransferProgress } from '@w3ai/sdk'
import { PROGRESS_LINE_MS } from './constants.js'
import { formatBytes } from './output.js'

export interface TransferReporter {
  onProgress: (p: TransferProgress) => void
  /** Stops the bar; call it on success and on failure. */
  done: () => void
}

export interface TransferReporterOptions {
  /** Silent when true (--json). */
  quiet: boolean
  /** What is counted: bytes for up- and downloads, blocks for a CAR export. */
  unit?: 'bytes' | 'blocks'
  stream?: NodeJS.WriteStream
  now?: () => number
}

const VERBS: Record<TransferProgress['phase'], string> = { upload: 'uploading', download: 'downloading', export: 'exporting' }

export function transferReporter(options: TransferReporterOptions): TransferReporter {
  const stream = options.stream ?? process.stderr
  const now = options.now ?? Date.now
  const count = options.unit === 'blocks' ? (n: number) => `${n} blocks` : formatBytes
  if (options.quiet) return { onProgress: () => undefined, done: () => undefined }

  if (stream.isTTY === true) {
    let bar: cliProgress.SingleBar | undefined
    return {
      onProgress(p) {
        if (bar === undefined) {
          bar = new cliProgress.SingleBar(
            { format: `${VERBS[p.phase]} [{bar}] {percentage}% {done}/{size}`, stream, hideCursor: true, clearOnComplete: false },
            cliProgress.Presets.shades_classic,
          )
          bar.start(Math.max(p.total, 1), 0, { done: count(0), size: count(p.total) })
        }
        bar.update(p.total === 0 ? 1 : p.bytes, { done: count(p.bytes), size: count(p.total) })
      },
      done: () => bar?.stop(),
    }
  }

  let lastLine = -Infinity
  let finished = false
  return {
    onProgress(p) {
      const complete = p.bytes >= p.total
      if (finished || (!complete && now() - lastLine < PROGRESS_LINE_MS)) return
      // The first report (0 of N) is printed too, so a slow start shows something.
      lastLine = now()
      finished = complete
      const percent = p.total === 0 ? 100 : Math.floor((p.bytes / p.total) * 100)
      stream.write(`${VERBS[p.phase]} ${count(p.bytes)}/${count(p.total)} (${percent}%)\n`)
    },
    done: () => undefined,
  }
}
