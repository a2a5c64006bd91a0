/**
 * Cards tell a buyer what a listing is before they pay. A model card: intended use, metrics with
 * the data each was measured on, limitations, and its inputs and outputs (read from the ONNX
 * graph by `onnxSignature`). A dataset card: the schema, the row count and a preview of at most 20
 * rows the seller chooses to publish (the rest stays encrypted). An app card: its runnable
 * template with typed params, and optionally metrics (the recommender reports recall@10).
 */
import { validateTemplate, type AppTemplate } from './app.js'
import { array, fail, finite, integer, object, oneOf, text } from './check.js'
import type { ListingKind } from '@w3ai/protocol'

/** Tensor element types, as onnxruntime names them. */
export const TENSOR_ELEMENT_TYPES = [
  'float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool', 'float16', 'float64',
  'uint32', 'uint64', 'complex64', 'complex128', 'bfloat16', 'unknown',
] as const
export type TensorElementType = (typeof TENSOR_ELEMENT_TYPES)[number]

/** One input or output of a model: dims are sizes, or names for free dims ('batch'; '?' when unnamed). */
export interface TensorSignature {
  name: string
  type: TensorElementType
  shape: Array<number | string>
}

export interface ModelSignature {
  inputs: TensorSignature[]
  outputs: TensorSignature[]
}

/** A figure and what it was measured on (a dataset's name or CID, a held-out split). */
export interface Metric {
  name: string
  value: number
  dataset: string
}

export interface ModelCard extends ModelSignature {
  kind: 'model'
  intendedUse: string
  metrics: Metric[]
  limitations: string
}

export const COLUMN_TYPES = ['int', 'float', 'string', 'bool', 'date'] as const
export type ColumnType = (typeof COLUMN_TYPES)[number]

export interface Column {
  name: string
  type: ColumnType
}

/** A preview cell; null when the row has no value there. */
export type Cell = string | number | boolean | null

export interface DatasetCard {
  kind: 'dataset'
  schema: Column[]
  rowCount: number
  /** Rows the seller publishes, keyed by column name. */
  preview: Array<Record<string, Cell>>
}

export interface AppCard {
  kind: 'app'
  template: AppTemplate
  intendedUse?: string
  metrics?: Metric[]
}

export type Card = ModelCard | DatasetCard | AppCard

export const CARD_LIMITS = {
  intendedUse: 2000, limitations: 4000, metrics: 32, metricName: 64, metricDataset: 200,
  tensors: 64, tensorName: 128, dims: 8, dimName: 64,
  columns: 256, columnName: 64, previewRows: 20, cell: 1000,
} as const

const E = 'MARKET_INVALID_CARD'
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/

function metrics(field: string, value: unknown): Metric[] {
  return array(E, field, value ?? [], CARD_LIMITS.metrics).map((m, i) => {
    const f = `${field}[${i}]`
    const o = object(E, f, m, ['name', 'value', 'dataset'])
    return {
      name: text(E, `${f}.name`, o.name, { min: 1, max: CARD_LIMITS.metricName }),
      value: finite(E, `${f}.value`, o.value),
      dataset: text(E, `${f}.dataset`, o.dataset, { min: 1, max: CARD_LIMITS.metricDataset }),
    }
  })
}

function tensors(field: string, value: unknown): TensorSignature[] {
  return array(E, field, value, CARD_LIMITS.tensors, 1).map((t, i) => {
    const f = `${field}[${i}]`
    const o = object(E, f, t, ['name', 'type', 'shape'])
    const shape = array(E, `${f}.shape`, o.shape, CARD_LIMITS.dims).map((d, j) =>
      typeof d === 'string' ? text(E, `${f}.shape[${j}]`, d, { min: 1, max: CARD_LIMITS.dimName }) : integer(E, `${f}.shape[${j}]`, d, 0, 2 ** 31 - 1),
    )
    return { name: text(E, `${f}.name`, o.name, { min: 1, max: CARD_LIMITS.tensorName }), type: oneOf(E, `${f}.type`, o.type, TENSOR_ELEMENT_TYPES), shape }
  })
}

function modelCard(value: unknown): ModelCard {
  const c = object(E, 'card', value, ['kind', 'intendedUse', 'metrics', 'limitations', 'inputs', 'outputs'])
  return {
    kind: 'model',
    intendedUse: text(E, 'card.intendedUse', c.intendedUse, { min: 1, max: CARD_LIMITS.intendedUse, multiline: true }),
    metrics: metrics('card.metrics', c.metrics),
    limitations: text(E, 'card.limitations', c.limitations ?? '', { max: CARD_LIMITS.limitations, multiline: true }),
    inputs: tensors('card.inputs', c.inputs),
    outputs: tensors('card.outputs', c.outputs),
  }
}

function cell(field: string, type: ColumnType, value: unknown): Cell {
  if (value === null) return null
  switch (type) {
    case 'int':
      return integer(E, field, value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
    case 'float':
      return finite(E, field, value)
    case 'bool':
      if (typeof value !== 'boolean') fail(E, field, 'must be true, false or null')
      return value
    case 'date':
      if (typeof value !== 'string' || !ISO_DATE.test(value) || Number.isNaN(Date.parse(value))) fail(E, field, 'must be an ISO 8601 date (YYYY-MM-DD[THH:MM[:SS]][Z])')
      return value
    case 'string':
      return text(E, field, value, { max: CARD_LIMITS.cell, multiline: true })
  }
}

function datasetCard(value: unknown): DatasetCard {
  const c = object(E, 'card', value, ['kind', 'schema', 'rowCount', 'preview'])
  const schema = array(E, 'card.schema', c.schema, CARD_LIMITS.columns, 1).map((col, i) => {
    const o = object(E, `card.schema[${i}]`, col, ['name', 'type'])
    return { name: text(E, `card.schema[${i}].name`, o.name, { min: 1, max: CARD_LIMITS.columnName }), type: oneOf(E, `card.schema[${i}].type`, o.type, COLUMN_TYPES) }
  })
  const names = new Set<string>()
  schema.forEach((col, i) => {
    if (names.has(col.name)) fail(E, `card.schema[${i}].name`, `repeats the column ${col.name}`)
    names.add(col.name)
  })
  const rowCount = integer(E, 'card.rowCount', c.rowCount, 0, Number.MAX_SAFE_INTEGER)
  const rows = array(E, 'card.preview', c.preview ?? [], CARD_LIMITS.previewRows)
  if (rows.length > rowCount) fail(E, 'card.preview', `shows ${rows.length} rows of a dataset of ${rowCount}`)
  const preview = rows.map((row, r) => {
    const o = object(E, `card.preview[${r}]`, row, [...names])
    const out: Record<string, Cell> = {}
    for (const col of schema) out[col.name] = cell(`card.preview[${r}].${col.name}`, col.type, o[col.name] ?? null)
    return out
  })
  return { kind: 'dataset', schema, rowCount, preview }
}

function appCard(value: unknown): AppCard {
  const c = object(E, 'card', value, ['kind', 'template', 'intendedUse', 'metrics'])
  const out: AppCard = { kind: 'app', template: validateTemplate(c.template, 'card.template') }
  if (c.intendedUse !== undefined) out.intendedUse = text(E, 'card.intendedUse', c.intendedUse, { max: CARD_LIMITS.intendedUse, multiline: true })
  if (c.metrics !== undefined) out.metrics = metrics('card.metrics', c.metrics)
  return out
}

/**
 * Checks a card from the wire and returns it normalized; with `kind`, the card must be that
 * listing kind's. Refusals are MARKET_INVALID_CARD naming the field (`card.preview[3].age`).
 */
export function validateCard(value: unknown, kind?: ListingKind): Card {
  const cardKind = oneOf(E, 'card.kind', (value as { kind?: unknown } | null)?.kind, ['model', 'dataset', 'app'] as const)
  if (kind !== undefined && cardKind !== kind) fail(E, 'card.kind', `a ${kind} listing needs a ${kind} card, not a ${cardKind} card`)
  if (cardKind === 'model') return modelCard(value)
  if (cardKind === 'dataset') return datasetCard(value)
  return appCard(value)
}
