/**
 * Following a pipeline with `w3ai pipeline run`, on stderr: on a terminal the segments' stages as
 * a table redrawn in place (a spinner line under it); otherwise one line each time a segment moves
 * to another stage, so CI logs show where each segment is and on which node.
 */
import type { Pipeline } from '@w3ai/protocol'
import { SPINNER_MS } from '../constants.js'
import { SEGMENT_COLUMNS, segmentLine, segmentRow, TERMINAL_PIPELINE_STATUSES } from './pipeline-views.js'
import { table } from '../output.js'

export interface PipelineReporter {
  onUpdate: (p: Pipeline) => void
  /** A step on this machine (downloading the model, making keys, decrypting), as a line. */
  note: (text: string) => void
  done: () => void
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export function pipelineReporter(options: { quiet: boolean; stream?: NodeJS.WriteStream }): PipelineReporter {
  const stream = options.stream ?? process.stderr
  if (options.quiet) return { onUpdate: () => undefined, note: () => undefined, done: () => undefined }
  return stream.isTTY === true ? terminalReporter(stream) : lineReporter(stream)
}

function terminalReporter(stream: NodeJS.WriteStream): PipelineReporter {
  let drawn = 0
  let latest: Pipeline | undefined
  let frame = 0
  const draw = (): void => {
    if (latest === undefined) return
    const p = latest
    const done = p.segments.filter((s) => s.stage === 'done').length
    const status = `${FRAMES[frame++ % FRAMES.length]} pipeline ${p.id} ${p.status}: ${done}/${p.segments.length} segments done`
    const text = `${table(SEGMENT_COLUMNS, p.segments.map(segmentRow))}\n${status}`.split('\n')
    if (drawn > 0) stream.write(`\x1b[${drawn}F`)
    stream.write(text.map((l) => `\x1b[2K${l}`).join('\n') + '\n')
    drawn = text.length
  }
  const timer = setInterval(draw, SPINNER_MS * 2)
  timer.unref()
  return {
    onUpdate(p) {
      latest = p
      draw()
      if (TERMINAL_PIPELINE_STATUSES.has(p.status)) clearInterval(timer)
    },
    note(text) {
      // Below the table: the next redraw starts again from here.
      stream.write(text + '\n')
      drawn = 0
    },
    done: () => clearInterval(timer),
  }
}

function lineReporter(stream: NodeJS.WriteStream): PipelineReporter {
  const stages = new Map<number, string>()
  let status = ''
  return {
    onUpdate(p) {
      if (p.status !== status) stream.write(`pipeline ${p.id} ${p.status}\n`)
      status = p.status
      for (const s of p.segments) {
        const key = `${s.stage} ${s.nodeId ?? ''}`
        if (stages.get(s.index) !== key) stream.write(segmentLine(p, s) + '\n')
        stages.set(s.index, key)
      }
    },
    note: (text) => void stream.write(text + '\n'),
    done: () => undefined,
  }
}
