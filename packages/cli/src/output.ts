/** Printing results and errors: human text, or JSON with --json. */
import { W3aiError } from '@w3ai/protocol'
import { EXIT_BAD_ARGUMENT, EXIT_FAILURE } from './constants.js'

export interface Out {
  json: boolean
  /** Prints `data` as JSON with --json, else the human text. */
  result(data: unknown, human: () => string): void
  /** Progress and notes for people; silent with --json. */
  note(text: string): void
}

export function createOut(json: boolean): Out {
  return {
    json,
    result(data, human) {
      process.stdout.write(json ? JSON.stringify(data, null, 2) + '\n' : human() + '\n')
    },
    note(text) {
      if (!json) process.stderr.write(text + '\n')
    },
  }
}

/**
 * A failure the command has already printed in full (a job that finished as failed): main returns
 * its exit code without printing anything more, so --json output stays one document.
 */
export class ReportedFailure extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`)
    this.name = 'ReportedFailure'
  }
}

/** Any thrown value as a W3aiError; unknown failures become INTERNAL without a stack trace. */
export function asW3aiError(err: unknown): W3aiError {
  if (err instanceof W3aiError) return err
  return new W3aiError('INTERNAL', err instanceof Error ? err.message : String(err))
}

/** Prints the error and returns the exit code. */
export function reportError(err: unknown, json: boolean): number {
  const e = asW3aiError(err)
  if (json) process.stdout.write(JSON.stringify({ error: { code: e.code, message: e.message } }) + '\n')
  else process.stderr.write(`error ${e.code}: ${e.message}\n`)
  return e.code === 'CLI_BAD_ARGUMENT' ? EXIT_BAD_ARGUMENT : EXIT_FAILURE
}

/** Left-aligned columns, for `w3ai nodes` and friends. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}

/** Bytes for people: 0 B, 1023 B, 1.5 KiB, 100 MiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1
  return `${value.toFixed(digits).replace(/\.0$/, '')} ${units[unit]}`
}
