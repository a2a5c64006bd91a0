/**
 * `--input FILE` of `w3ai pipeline run`: feature rows from a CSV file (a header row is optional;
 * every other field must be a number) or a JSON array of arrays. Read and checked here, before any
 * request, so a stray word in row 9000 names its line and leaves no pipeline behind.
 */
import { readFile } from 'node:fs/promises'
import { CsvError, parse } from 'csv-parse/sync'
import { W3aiError } from '@w3ai/protocol'

const bad = (message: string): W3aiError => new W3aiError('CLI_BAD_ARGUMENT', `--input: ${message}`)

const isNumber = (text: string): boolean => text !== '' && Number.isFinite(Number(text))

/** Rows of equal width, at least one row of at least one feature. */
function checkWidth(rows: number[][], where: (row: number) => string): number[][] {
  const width = rows[0]?.length ?? 0
  if (rows.length === 0) throw bad('there are no rows.')
  if (width === 0) throw bad(`${where(0)} has no features.`)
  rows.forEach((r, i) => {
    if (r.length !== width) throw bad(`${where(i)} has ${r.length} features, expected ${width} like the first row.`)
  })
  return rows
}

/**
 * CSV text as rows of numbers. A first row with no number at all is the header and is skipped; a
 * first row of numbers and words is refused like any other row, so a typo never drops a row.
 */
export function parseCsvRows(text: string, path: string): number[][] {
  let records: Array<{ record: string[]; info: { lines: number } }>
  try {
    records = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }) as unknown as typeof records
  } catch (err) {
    if (err instanceof CsvError) throw bad(`${path} is not valid CSV (${err.message}).`)
    throw err
  }
  const first = records[0]
  const hasHeader = first !== undefined && first.record.every((f) => !isNumber(f))
  const data = hasHeader ? records.slice(1) : records
  const rows = data.map(({ record, info }) => {
    const wrong = record.findIndex((f) => !isNumber(f))
    if (wrong >= 0) throw bad(`${path} line ${info.lines}, column ${wrong + 1}: ${JSON.stringify(record[wrong]?.slice(0, 40))} is not a number.`)
    return record.map(Number)
  })
  return checkWidth(rows, (i) => `${path} line ${data[i]?.info.lines ?? 1}`)
}

/** A JSON value as rows: an array of arrays of finite numbers. */
export function jsonRows(value: unknown, path: string): number[][] {
  if (!Array.isArray(value)) throw bad(`${path} must hold a JSON array of rows, like [[0.1, 2], [3, 4.5]].`)
  const rows = value.map((row: unknown, i) => {
    if (!Array.isArray(row)) throw bad(`${path} row ${i} must be an array of numbers.`)
    const wrong = row.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v))
    if (wrong >= 0) throw bad(`${path} row ${i}, feature ${wrong}: ${JSON.stringify(row[wrong])} is not a finite number.`)
    return row as number[]
  })
  return checkWidth(rows, (i) => `${path} row ${i}`)
}

/** The rows of `--input FILE`: `.json` files as JSON, everything else as CSV. */
export async function readRows(path: string): Promise<number[][]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw bad(code === 'ENOENT' ? `no file at ${path}.` : `${path} cannot be read (${code ?? (err as Error).message}).`)
  }
  if (!path.toLowerCase().endsWith('.json')) return parseCsvRows(text, path)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw bad(`${path} is not valid JSON (${(err as Error).message}).`)
  }
  return jsonRows(value, path)
}
