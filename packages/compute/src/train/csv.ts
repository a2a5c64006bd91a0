/**
 * CSV datasets: numeric feature columns and one label column (by header name or index, default
 * the last). The header is detected when absent from the options: a first row whose feature
 * fields are not all numbers is a header. Labels that are not numbers become class ids in sorted
 * name order. Parsing (quotes, embedded delimiters and line breaks, BOM) is csv-parse's (RFC 4180).
 */
import { CsvError, parse } from 'csv-parse/sync'
import { executorError } from '../errors.js'
import { maybeGunzip, type Dataset } from './dataset.js'

export interface CsvOptions {
  /** true: the first row names the columns; false: it is data; default: detected. */
  header?: boolean
  /** The label column, by header name or 0-based index (negative counts from the end). Default -1. */
  labelColumn?: string | number
  delimiter?: ',' | ';' | '\t'
}

function bad(message: string, details: Record<string, unknown> = {}): never {
  throw executorError('COMPUTE_BAD_DATASET', `Malformed CSV: ${message}`, details)
}

interface Row {
  /** The line the record ends on, from 1. */
  line: number
  fields: string[]
}

/** The file's records, blank lines left out; unbalanced quotes and the like are COMPUTE_BAD_DATASET. */
function readRows(text: string, delimiter: string): Row[] {
  try {
    const records = parse(text, { delimiter, bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }) as unknown as Array<{ info: { lines: number }; record: string[] }>
    return records.map((r) => ({ line: r.info.lines, fields: r.record }))
  } catch (err) {
    if (err instanceof CsvError) bad(`${err.message}.`, { code: err.code })
    throw err
  }
}

const isNumber = (text: string) => text !== '' && Number.isFinite(Number(text))

/** Parses CSV bytes (gzip or not) into a Dataset; throws COMPUTE_BAD_DATASET with the row and column. */
export function parseCsv(bytes: Uint8Array, options: CsvOptions = {}): Dataset {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(maybeGunzip(bytes, 'The CSV'))
  const delimiter = options.delimiter ?? ','
  const rows = readRows(text, delimiter)
  if (rows.length === 0) bad('the file is empty.')
  const firstRow = (rows[0] as Row).fields
  let width = firstRow.length
  if (width < 2 && rows.length < 2) bad(`expected at least 2 columns (features and a label), found ${width} in row 1.`)

  let labelIndex: number
  let hasHeader = options.header
  if (typeof options.labelColumn === 'string') {
    if (hasHeader === false) bad('labelColumn is a name but header is false.')
    hasHeader = true
    labelIndex = firstRow.indexOf(options.labelColumn)
    if (labelIndex < 0) bad(`no column named "${options.labelColumn}" in the header (${firstRow.join(', ')}).`)
  } else {
    const given = options.labelColumn ?? -1
    if (!Number.isInteger(given) || given >= width || given < -width) bad(`labelColumn ${given} is outside the ${width} columns.`)
    labelIndex = given < 0 ? width + given : given
  }
  hasHeader ??= firstRow.some((field, j) => j !== labelIndex && !isNumber(field))
  // scikit-learn's CSVs start with "count, features, class names…", narrower than the data rows:
  // the data rows, not such a header, decide the width when the label is chosen by index.
  if (hasHeader && typeof options.labelColumn !== 'string' && rows.length > 1) {
    width = (rows[1] as Row).fields.length
    const given = options.labelColumn ?? -1
    if (given >= width || given < -width) bad(`labelColumn ${given} is outside the ${width} columns.`)
    labelIndex = given < 0 ? width + given : given
  }
  if (width < 2) bad(`expected at least 2 columns (features and a label), found ${width}.`)

  const start = hasHeader ? 1 : 0
  const count = rows.length - start
  if (count < 1) bad('there are no data rows.')
  const featureCount = width - 1
  const features = new Float32Array(count * featureCount)
  const rawLabels: string[] = new Array<string>(count)
  for (let r = 0; r < count; r++) {
    const { line: lineNo, fields } = rows[r + start] as Row
    if (fields.length !== width) bad(`row ${lineNo} has ${fields.length} fields, expected ${width}.`, { row: lineNo })
    let k = 0
    for (let j = 0; j < width; j++) {
      const field = fields[j] as string
      if (j === labelIndex) {
        if (field === '') bad(`row ${lineNo} has an empty label.`, { row: lineNo })
        rawLabels[r] = field
        continue
      }
      const value = Number(field)
      if (field === '' || !Number.isFinite(value)) bad(`row ${lineNo}, column ${j + 1}: "${field}" is not a number.`, { row: lineNo, column: j + 1 })
      features[r * featureCount + k++] = value
    }
  }

  const labels = new Float32Array(count)
  if (rawLabels.every(isNumber)) {
    rawLabels.forEach((l, i) => (labels[i] = Number(l)))
    return { count, featureCount, sampleShape: [featureCount], features, labels }
  }
  const classes = [...new Set(rawLabels)].sort()
  const index = new Map(classes.map((c, i) => [c, i]))
  rawLabels.forEach((l, i) => (labels[i] = index.get(l) as number))
  return { count, featureCount, sampleShape: [featureCount], features, labels, classes }
}
