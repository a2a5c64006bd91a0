/**
 * Following a federated training with `w3ai fl run --wait`, on stderr: on a terminal the rounds
 * table redrawn in place as rounds end (with a spinner line under it); otherwise one line per
 * round, so CI logs show each round as it happens.
 */
import type { FlTraining } from '@w3ai/protocol'
import { SPINNER_MS } from '../constants.js'
import { roundLine, roundsTable, TERMINAL_FL_STATUSES } from './fl-views.js'

export interface FlReporter {
  onUpdate: (t: FlTraining) => void
  done: () => void
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export function flReporter(options: { quiet: boolean; stream?: NodeJS.WriteStream }): FlReporter {
  const stream = options.stream ?? process.stderr
  if (options.quiet) return { onUpdate: () => undefined, done: () => undefined }
  return stream.isTTY === true ? terminalReporter(stream) : lineReporter(stream)
}

function terminalReporter(stream: NodeJS.WriteStream): FlReporter {
  let drawn = 0
  let latest: FlTraining | undefined
  let frame = 0
  const draw = (): void => {
    if (latest === undefined) return
    const t = latest
    const status = `${FRAMES[frame++ % FRAMES.length]} training ${t.id} ${t.status}: round ${t.round}/${t.config.rounds}`
    const text = (t.rounds.length === 0 ? status : `${roundsTable(t.rounds)}\n${status}`).split('\n')
    // Back to the top of what was drawn, then rewrite every line.
    if (drawn > 0) stream.write(`\x1b[${drawn}F`)
    stream.write(text.map((l) => `\x1b[2K${l}`).join('\n') + '\n')
    drawn = text.length
  }
  const timer = setInterval(draw, SPINNER_MS * 2)
  timer.unref()
  return {
    onUpdate(t) {
      latest = t
      draw()
      if (TERMINAL_FL_STATUSES.has(t.status)) clearInterval(timer)
    },
    done: () => clearInterval(timer),
  }
}

function lineReporter(stream: NodeJS.WriteStream): FlReporter {
  let seen = 0
  let status = ''
  return {
    onUpdate(t) {
      for (const r of t.rounds.slice(seen)) stream.write(roundLine(t, r) + '\n')
      seen = t.rounds.length
      if (t.status !== status) stream.write(`training ${t.id} ${t.status}\n`)
      status = t.status
    },
    done: () => undefined,
  }
}
