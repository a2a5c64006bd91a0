/**
 * `w3ai dataset partition`: splits a labelled CSV among N simulated clients (IID or Dirichlet
 * label skew) for federated experiments and demos. Reads the CSV as the train executor does (the
 * label is the last column unless --label-column says otherwise; a first row with non-numeric
 * features is a header, copied to every client file) and writes client-<i>.csv plus summary.json.
 * Fields are copied as text, so values keep their exact digits.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import type { Command } from 'commander'
import { CsvError, parse } from 'csv-parse/sync'
import { labelHistogram, partitionRows, type PartitionScheme } from '@w3ai/federated'
import { W3aiError } from '@w3ai/protocol'
import { badArgument } from '../args.js'
import { createOut, table } from '../output.js'

/** Largest CSV read (it is held in memory to be shuffled). */
const MAX_CSV_BYTES = 512 * 1024 * 1024
/** Most clients one partition may have. */
const MAX_CLIENTS = 10_000
/** Name of the summary written next to the client files. */
export const SUMMARY_FILE = 'summary.json'

interface PartitionFlags {
  clients: number
  dirichlet?: number
  iid?: boolean
  seed: number
  out: string
  labelColumn?: string
  minRows?: number
  json?: boolean
}

/** What `--json` prints and summary.json holds. */
export interface PartitionSummary {
  file: string
  out: string
  scheme: 'iid' | 'dirichlet'
  alpha?: number
  seed: number
  rows: number
  header: boolean
  labels: string[]
  clients: Array<{ client: number; file: string; rows: number; labels: Record<string, number> }>
}

function integerIn(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!/^\s*\d+\s*$/.test(value) || n < min || n > max) throw badArgument(flag, value, `an integer ${min}..${max}`)
    return n
  }
}

function parseAlpha(value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw badArgument('--dirichlet', value, 'a concentration alpha > 0 (0.5 is strongly non-IID, 100 nearly IID)')
  return n
}

function badDataset(message: string): W3aiError {
  return new W3aiError('COMPUTE_BAD_DATASET', `Malformed CSV: ${message}`)
}

async function readInput(path: string): Promise<string> {
  let bytes: Buffer
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new W3aiError('CLI_BAD_ARGUMENT', `${path} is not a regular file; give a CSV file.`)
    if (info.size > MAX_CSV_BYTES) throw new W3aiError('CLI_BAD_ARGUMENT', `${path} is larger than ${MAX_CSV_BYTES / 1024 / 1024} MiB, which partition holds in memory.`)
    bytes = await readFile(path)
  } catch (err) {
    if (err instanceof W3aiError) throw err
    const code = (err as NodeJS.ErrnoException).code
    throw new W3aiError('CLI_BAD_ARGUMENT', code === 'ENOENT' ? `No file at ${path}.` : `${path} cannot be read (${code ?? (err as Error).message}).`)
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes)
    } catch {
      throw badDataset(`${path} looks gzipped but does not decompress.`)
    }
  }
  return bytes.toString('utf8')
}

const isNumber = (text: string): boolean => text !== '' && Number.isFinite(Number(text))

/** The records, the header (if any) and each data row's label, by the train executor's rules. */
function readRecords(text: string, labelColumn: string | undefined): { header: string[] | undefined; rows: string[][]; labels: string[] } {
  let records: string[][]
  try {
    records = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }) as string[][]
  } catch (err) {
    if (err instanceof CsvError) throw badDataset(`${err.message}.`)
    throw err
  }
  const first = records[0]
  if (first === undefined) throw badDataset('the file is empty.')
  const byName = labelColumn !== undefined && !/^-?\d+$/.test(labelColumn)
  const width = (records.length > 1 && !byName ? (records[1] as string[]) : first).length
  let labelIndex: number
  if (byName) {
    labelIndex = first.indexOf(labelColumn)
    if (labelIndex < 0) throw new W3aiError('CLI_BAD_ARGUMENT', `--label-column: no column named "${labelColumn}" in the header (${first.join(', ')}).`)
  } else {
    const given = labelColumn === undefined ? -1 : Number(labelColumn)
    if (given >= width || given < -width) throw new W3aiError('CLI_BAD_ARGUMENT', `--label-column ${given} is outside the ${width} columns.`)
    labelIndex = given < 0 ? width + given : given
  }
  const hasHeader = byName || first.some((field, j) => j !== labelIndex && !isNumber(field))
  const rows = hasHeader ? records.slice(1) : records
  if (rows.length === 0) throw badDataset('there are no data rows.')
  const dataWidth = (rows[0] as string[]).length
  if (dataWidth < 2) throw badDataset(`expected at least 2 columns (features and a label), found ${dataWidth}.`)
  const labels = rows.map((fields, r) => {
    const line = r + 1 + (hasHeader ? 1 : 0)
    if (fields.length !== dataWidth) throw badDataset(`record ${line} has ${fields.length} fields, expected ${dataWidth}.`)
    const label = fields[labelIndex]
    if (label === undefined || label === '') throw badDataset(`record ${line} has an empty label.`)
    return label
  })
  return { header: hasHeader ? first : undefined, rows, labels }
}

/** One CSV line: fields quoted (RFC 4180) only when they hold a comma, a quote or a line break. */
function csvLine(fields: readonly string[]): string {
  return fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(',')
}

async function writeOutputs(out: string, files: Array<{ name: string; text: string }>): Promise<void> {
  try {
    await mkdir(out, { recursive: true })
    for (const f of files) await writeFile(join(out, f.name), f.text)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new W3aiError('CLI_BAD_ARGUMENT', `--out ${out} cannot be written (${code ?? (err as Error).message}); give a directory you can write to.`)
  }
}

/** Splits `file` as `flags` say, writes the client files and the summary, and returns the summary. */
export async function partitionCsv(file: string, flags: PartitionFlags): Promise<PartitionSummary> {
  if (flags.iid === true && flags.dirichlet !== undefined) throw new W3aiError('CLI_BAD_ARGUMENT', 'Give either --iid or --dirichlet ALPHA, not both.')
  const scheme: PartitionScheme = flags.dirichlet === undefined ? { kind: 'iid' } : { kind: 'dirichlet', alpha: flags.dirichlet }
  const { header, rows, labels } = readRecords(await readInput(file), flags.labelColumn)
  const parts = partitionRows(labels, { clients: flags.clients, scheme, seed: flags.seed, ...(flags.minRows === undefined ? {} : { minRows: flags.minRows }) })
  const files = parts.map((indices, i) => ({ name: `client-${i}.csv`, text: [...(header === undefined ? [] : [csvLine(header)]), ...indices.map((r) => csvLine(rows[r] as string[]))].join('\n') + '\n' }))
  const summary: PartitionSummary = {
    file,
    out: flags.out,
    scheme: scheme.kind,
    ...(scheme.kind === 'dirichlet' ? { alpha: scheme.alpha } : {}),
    seed: flags.seed,
    rows: rows.length,
    header: header !== undefined,
    labels: Object.keys(labelHistogram(labels, labels.map((_, i) => i))),
    clients: parts.map((indices, i) => ({ client: i, file: `client-${i}.csv`, rows: indices.length, labels: labelHistogram(labels, indices) })),
  }
  await writeOutputs(flags.out, [...files, { name: SUMMARY_FILE, text: JSON.stringify(summary, null, 2) + '\n' }])
  return summary
}

function human(s: PartitionSummary): string {
  const how = s.scheme === 'iid' ? 'IID' : `Dirichlet(${s.alpha})`
  const rows = s.clients.map((c) => [c.file, String(c.rows), s.labels.map((l) => `${l}:${c.labels[l] ?? 0}`).join(' ')])
  return [`${s.rows} rows of ${s.file} split ${how} (seed ${s.seed}) into ${s.clients.length} clients under ${s.out}`, '', table(['FILE', 'ROWS', 'LABELS'], rows)].join('\n')
}

export function registerDatasetCommands(program: Command): void {
  const dataset = program.command('dataset').description('dataset tools: partition a dataset into client splits')
  dataset
    .command('partition')
    .description('split a labelled CSV (optionally gzipped) among N clients, IID or with Dirichlet label skew, into DIR/client-<i>.csv and DIR/summary.json')
    .argument('<file>', 'CSV with numeric features and a label column (the last unless --label-column)')
    .requiredOption('--clients <n>', 'number of clients', integerIn('--clients', 2, MAX_CLIENTS))
    .option('--dirichlet <alpha>', 'label skew: each class shared among clients by Dirichlet(alpha) proportions', parseAlpha)
    .option('--iid', 'shuffle and cut into near-equal parts (the default)')
    .option('--seed <s>', 'seed of the shuffle and the Dirichlet draws', integerIn('--seed', 0, 2 ** 32 - 1), 0)
    .requiredOption('--out <dir>', 'directory for the client files (created if missing)')
    .option('--label-column <name|index>', 'label column by header name or 0-based index (negative counts from the end; default -1)')
    .option('--min-rows <n>', 'rows every client gets at least (default: min(10, rows / clients))', integerIn('--min-rows', 1, 1_000_000_000))
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, flags: PartitionFlags) => {
      const out = createOut(flags.json === true)
      const summary = await partitionCsv(file, flags)
      out.result(summary, () => human(summary))
    })
}
