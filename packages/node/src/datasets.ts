/**
 * The node's local datasets: files that stay on this machine and take part in federated
 * trainings. `<home>/datasets.json` (mode 0600) lists each by name with its absolute path, format
 * and what reading it found (sample shape, label kind, row count); the hub is told only the name,
 * that schema and the row count. The file is replaced atomically, so a running agent never reads
 * half of it.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseCsv, parseIdx, type CsvOptions, type Dataset } from '@w3ai/compute'
import { Value } from '@sinclair/typebox/value'
import { DatasetNameSchema, W3aiError, type DatasetAnnouncement, type DatasetFormat, type DatasetShape } from '@w3ai/protocol'

/** The list of local datasets under the node's home. */
export const DATASETS_FILE = 'datasets.json'
/** Most text classes a dataset may have (the hub is told their names). */
export const MAX_TEXT_CLASSES = 1024

/** Where a dataset's bytes are and how to read them. */
export interface DatasetSource {
  format: DatasetFormat
  /** The CSV file, or the IDX images file. */
  path: string
  /** IDX: the labels file. */
  labels?: string
  /** CSV: label column, header, delimiter. */
  csv?: CsvOptions
}

export interface LocalDataset extends DatasetSource {
  name: string
  schema: DatasetShape
  rows: number
  addedAt: string
}

interface DatasetsFile {
  version: 1
  datasets: LocalDataset[]
}

async function readSourceFile(path: string, what: string): Promise<Buffer> {
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new W3aiError('FL_DATASET_FILE', `${what} ${path} is not a regular file.`)
    return await readFile(path)
  } catch (err) {
    if (err instanceof W3aiError) throw err
    const code = (err as NodeJS.ErrnoException).code
    throw new W3aiError('FL_DATASET_FILE', `${what} ${path} cannot be read (${code ?? (err as Error).message}).`, { path })
  }
}

/** Reads and parses a dataset (COMPUTE_BAD_DATASET names the row of a malformed file). */
export async function readDataset(source: DatasetSource): Promise<Dataset> {
  if (source.format === 'idx') {
    if (source.labels === undefined) throw new W3aiError('FL_DATASET_FILE', 'An IDX dataset needs its labels file too (--labels FILE).')
    return parseIdx(await readSourceFile(source.path, 'The IDX images file'), await readSourceFile(source.labels, 'The IDX labels file'))
  }
  return parseCsv(await readSourceFile(source.path, 'The CSV file'), source.csv ?? {})
}

/** The schema the hub learns: sample shape and how labels look, never a value. */
export function schemaOf(data: Dataset, csv?: CsvOptions): DatasetShape {
  const schema: DatasetShape = { features: data.featureCount, shape: [...data.sampleShape], integerLabels: true }
  if (csv?.labelColumn !== undefined) schema.labelColumn = csv.labelColumn
  if (data.classes !== undefined) {
    if (data.classes.length > MAX_TEXT_CLASSES) throw new W3aiError('COMPUTE_BAD_DATASET', `The label column has ${data.classes.length} distinct texts; at most ${MAX_TEXT_CLASSES} classes are supported.`)
    schema.classes = data.classes.map((c) => c.slice(0, 128))
    return schema
  }
  let max = -Infinity
  for (let i = 0; i < data.count; i++) {
    const label = data.labels[i] as number
    if (!Number.isInteger(label)) schema.integerLabels = false
    if (label > max) max = label
  }
  schema.maxLabel = max
  return schema
}

/** Reads a dataset once to learn its schema and row count. */
export async function describeDataset(source: DatasetSource): Promise<{ schema: DatasetShape; rows: number }> {
  const data = await readDataset(source)
  return { schema: schemaOf(data, source.csv), rows: data.count }
}

/** The datasets registered under `home` (none when the file does not exist). */
export async function loadDatasets(home: string): Promise<LocalDataset[]> {
  let text: string
  try {
    text = await readFile(join(home, DATASETS_FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  try {
    const parsed = JSON.parse(text) as DatasetsFile
    return Array.isArray(parsed.datasets) ? parsed.datasets : []
  } catch {
    throw new W3aiError('VALIDATION_FAILED', `${join(home, DATASETS_FILE)} is not valid JSON; fix or remove it and add the datasets again.`)
  }
}

async function saveDatasets(home: string, datasets: LocalDataset[]): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 })
  const target = join(home, DATASETS_FILE)
  const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`
  const body: DatasetsFile = { version: 1, datasets }
  try {
    await writeFile(temp, JSON.stringify(body, null, 2) + '\n', { mode: 0o600 })
    await rename(temp, target)
  } finally {
    await rm(temp, { force: true })
  }
}

/** Checks a dataset name against the wire pattern (VALIDATION_FAILED otherwise). */
export function checkDatasetName(name: string): void {
  if (!Value.Check(DatasetNameSchema, name)) {
    throw new W3aiError('VALIDATION_FAILED', `Dataset name ${JSON.stringify(name)} is not valid: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.`)
  }
}

/**
 * Registers a local file as dataset `name`: reads it (a malformed file is refused now, not in a
 * round), records its absolute path and schema. Nothing is uploaded.
 */
export async function addDataset(home: string, name: string, source: DatasetSource, now: () => Date = () => new Date()): Promise<LocalDataset> {
  checkDatasetName(name)
  const absolute: DatasetSource = { ...source, path: resolve(source.path), ...(source.labels === undefined ? {} : { labels: resolve(source.labels) }) }
  const existing = await loadDatasets(home)
  if (existing.some((d) => d.name === name)) throw new W3aiError('FL_DATASET_EXISTS', `This node already has a dataset named ${name}; remove it first (\`w3ai node dataset rm ${name}\`) or pick another name.`)
  const { schema, rows } = await describeDataset(absolute)
  const entry: LocalDataset = { name, ...absolute, schema, rows, addedAt: now().toISOString() }
  // Read again just before writing: another command may have added one meanwhile.
  const latest = await loadDatasets(home)
  if (latest.some((d) => d.name === name)) throw new W3aiError('FL_DATASET_EXISTS')
  await saveDatasets(home, [...latest, entry].sort((a, b) => a.name.localeCompare(b.name)))
  return entry
}

/** Forgets dataset `name` (the file itself is left alone). */
export async function removeDataset(home: string, name: string): Promise<LocalDataset> {
  const existing = await loadDatasets(home)
  const found = existing.find((d) => d.name === name)
  if (found === undefined) throw new W3aiError('FL_DATASET_NOT_FOUND', `This node has no dataset named ${name}; see \`w3ai node dataset ls\`.`)
  await saveDatasets(home, existing.filter((d) => d.name !== name))
  return found
}

/** What the hub is told of each dataset. */
export function announcements(datasets: readonly LocalDataset[]): DatasetAnnouncement[] {
  return datasets.map((d) => ({ name: d.name, format: d.format, schema: d.schema, rows: d.rows }))
}
