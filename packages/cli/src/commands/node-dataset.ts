/**
 * `w3ai node dataset add|ls|rm`: the datasets a node offers to federated trainings. A dataset is
 * a local file registered by name; it is read once to check it and learn its schema, and never
 * uploaded: the hub learns the name, the schema and the row count when the node registers (a
 * running node notices the change and registers again).
 */
import { join } from 'node:path'
import type { Command } from 'commander'
import { W3aiError } from '@w3ai/protocol'
import { badArgument } from '../args.js'
import { homeOf, type CommonFlags } from '../context.js'
import { createOut, table } from '../output.js'

interface DatasetFlags extends CommonFlags {
  path?: string
  format?: 'csv' | 'idx'
  labels?: string
  labelColumn?: string | number
  header?: boolean
}

/** The node's home: --home as given (the node's own home), else `<W3AI_HOME or ~/.w3ai>/node`, as `w3ai node start` uses. */
function nodeHomeOf(flags: CommonFlags): string {
  return flags.home === undefined ? join(homeOf(flags), 'node') : homeOf(flags)
}

function parseFormat(value: string): 'csv' | 'idx' {
  if (value !== 'csv' && value !== 'idx') throw badArgument('--format', value, 'csv or idx')
  return value
}

/** A column index (negative counts from the end) or a header name. */
function parseLabelColumn(value: string): string | number {
  if (/^-?\d+$/.test(value.trim())) return Number(value)
  if (value.length < 1 || value.length > 128) throw badArgument('--label-column', value, 'a 0-based column index or a header name (1-128 characters)')
  return value
}

/** IDX files are named like train-images-idx3-ubyte(.gz); anything else is read as CSV. */
function guessFormat(path: string): 'csv' | 'idx' {
  return /idx\d-ubyte(\.gz)?$/i.test(path) ? 'idx' : 'csv'
}

const withHome = (cmd: Command): Command =>
  cmd.option('--home <dir>', "the node's home (default: <W3AI_HOME or ~/.w3ai>/node, as `w3ai node start` uses)").option('--json', 'machine-readable output')

export function registerNodeDatasetCommands(node: Command): void {
  const dataset = node.command('dataset').description("datasets this node offers to federated trainings (they stay on this machine; the hub learns name, schema and row count)")

  withHome(dataset.command('add <name>'))
    .description('register a local CSV or IDX file as a dataset, without uploading it')
    .requiredOption('--path <file>', 'the CSV file, or the IDX images file (gzip or not)')
    .option('--format <format>', 'csv or idx (default: idx for *-idxN-ubyte files, else csv)', parseFormat)
    .option('--labels <file>', 'IDX: the labels file')
    .option('--label-column <column>', 'CSV: the label column, by 0-based index (negative from the end) or header name (default: the last)', parseLabelColumn)
    .option('--header', 'CSV: the first row names the columns (default: detected)')
    .option('--no-header', 'CSV: the first row is data')
    .action(async (name: string, flags: DatasetFlags) => {
      const out = createOut(flags.json === true)
      const { addDataset, checkDatasetName } = await import('@w3ai/node')
      try {
        checkDatasetName(name)
      } catch (err) {
        throw new W3aiError('CLI_BAD_ARGUMENT', (err as Error).message)
      }
      const path = flags.path as string
      const format = flags.format ?? guessFormat(path)
      if (format === 'idx' && flags.labels === undefined) throw new W3aiError('CLI_BAD_ARGUMENT', 'An IDX dataset needs --labels FILE (the labels file that goes with the images).')
      if (format === 'csv' && flags.labels !== undefined) throw new W3aiError('CLI_BAD_ARGUMENT', '--labels is for IDX datasets; a CSV file holds its labels in a column (--label-column).')
      const csv = {
        ...(flags.labelColumn === undefined ? {} : { labelColumn: flags.labelColumn }),
        ...(flags.header === undefined ? {} : { header: flags.header }),
      }
      const home = nodeHomeOf(flags)
      const entry = await addDataset(home, name, {
        format,
        path,
        ...(flags.labels === undefined ? {} : { labels: flags.labels }),
        ...(format === 'csv' && Object.keys(csv).length > 0 ? { csv } : {}),
      })
      out.result({ ...entry, home }, () => `dataset ${entry.name}: ${entry.rows} rows, ${entry.schema.features} features${entry.schema.classes === undefined ? '' : `, ${entry.schema.classes.length} classes`} (${entry.path}; not uploaded)`)
    })

  withHome(dataset.command('ls'))
    .description("this node's datasets")
    .action(async (flags: DatasetFlags) => {
      const out = createOut(flags.json === true)
      const { loadDatasets } = await import('@w3ai/node')
      const datasets = await loadDatasets(nodeHomeOf(flags))
      out.result({ datasets }, () =>
        datasets.length === 0
          ? 'no datasets; add one with `w3ai node dataset add NAME --path FILE`'
          : table(['NAME', 'FORMAT', 'ROWS', 'FEATURES', 'PATH'], datasets.map((d) => [d.name, d.format, String(d.rows), String(d.schema.features), d.path])),
      )
    })

  withHome(dataset.command('rm <name>'))
    .description('stop offering a dataset (the file itself is left alone)')
    .action(async (name: string, flags: DatasetFlags) => {
      const out = createOut(flags.json === true)
      const { removeDataset } = await import('@w3ai/node')
      const removed = await removeDataset(nodeHomeOf(flags), name)
      out.result({ removed: removed.name }, () => `dataset ${removed.name} removed (${removed.path} left in place)`)
    })
}
