import { describe, expect, it } from 'vitest'
import { validateCard, type DatasetCard, type ModelCard } from '../src/index.js'
import { refusal } from './helpers.js'

const modelCard = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  kind: 'model',
  intendedUse: 'Classify 8x8 digit images.',
  metrics: [{ name: 'accuracy', value: 0.97, dataset: 'digits test split (360 images)' }],
  limitations: 'Trained on centred digits only.',
  inputs: [{ name: 'input', type: 'float32', shape: ['batch', 64] }],
  outputs: [{ name: 'output', type: 'float32', shape: ['batch', 10] }],
  ...over,
})

const datasetCard = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  kind: 'dataset',
  schema: [{ name: 'user', type: 'string' }, { name: 'item', type: 'int' }, { name: 'price', type: 'float' }, { name: 'gift', type: 'bool' }, { name: 'day', type: 'date' }],
  rowCount: 120_000,
  preview: [
    { user: 'u1', item: 17, price: 9.5, gift: false, day: '2024-03-01' },
    { user: 'u2', item: 3, price: null, day: '2024-03-02T10:15:00Z' },
  ],
  ...over,
})

describe('a model card', () => {
  it('is accepted with its intended use, metrics and the data they were measured on, limitations and signature', () => {
    const card = validateCard(modelCard(), 'model') as ModelCard
    expect(card).toEqual(modelCard())
  })

  it('defaults limitations and metrics to empty', () => {
    const card = validateCard(modelCard({ limitations: undefined, metrics: undefined })) as ModelCard
    expect([card.limitations, card.metrics]).toEqual(['', []])
  })

  it.each([
    ['no intended use', { intendedUse: '' }, 'card.intendedUse'],
    ['a metric without its dataset', { metrics: [{ name: 'accuracy', value: 0.9 }] }, 'card.metrics[0].dataset'],
    ['a metric that is not a number', { metrics: [{ name: 'accuracy', value: '97%', dataset: 'test' }] }, 'card.metrics[0].value'],
    ['a metric that is NaN', { metrics: [{ name: 'accuracy', value: Number.NaN, dataset: 'test' }] }, 'card.metrics[0].value'],
    ['no inputs', { inputs: [] }, 'card.inputs'],
    ['an unknown element type', { outputs: [{ name: 'y', type: 'float128', shape: [1] }] }, 'card.outputs[0].type'],
    ['a negative dim', { inputs: [{ name: 'x', type: 'float32', shape: [-1, 4] }] }, 'card.inputs[0].shape[0]'],
    ['an unknown field', { license: 'MIT' }, 'card.license'],
  ])('is refused with MARKET_INVALID_CARD for %s', (_name, over, field) => {
    expect(refusal(() => validateCard(modelCard(over)))).toMatchObject({ code: 'MARKET_INVALID_CARD', field })
  })
})

describe('a dataset card', () => {
  it('is accepted with its schema, row count and the preview rows the seller chose; missing cells are null', () => {
    const card = validateCard(datasetCard(), 'dataset') as DatasetCard
    expect(card.rowCount).toBe(120_000)
    expect(card.preview[1]).toEqual({ user: 'u2', item: 3, price: null, gift: null, day: '2024-03-02T10:15:00Z' })
  })

  it('shows at most 20 preview rows, and no more rows than the dataset has', () => {
    const row = { user: 'u', item: 1, price: 1, gift: true, day: '2024-01-01' }
    expect((validateCard(datasetCard({ preview: Array(20).fill(row) })) as DatasetCard).preview).toHaveLength(20)
    expect(refusal(() => validateCard(datasetCard({ preview: Array(21).fill(row) })))).toMatchObject({ code: 'MARKET_INVALID_CARD', field: 'card.preview' })
    expect(refusal(() => validateCard(datasetCard({ rowCount: 1 })))).toMatchObject({ code: 'MARKET_INVALID_CARD', field: 'card.preview' })
  })

  it.each([
    ['no columns', { schema: [] }, 'card.schema'],
    ['an unknown column type', { schema: [{ name: 'x', type: 'blob' }], preview: [] }, 'card.schema[0].type'],
    ['a repeated column', { schema: [{ name: 'x', type: 'int' }, { name: 'x', type: 'float' }], preview: [] }, 'card.schema[1].name'],
    ['a fractional row count', { rowCount: 1.5 }, 'card.rowCount'],
    ['a preview cell of the wrong type', { preview: [{ user: 'u', item: 'seventeen' }] }, 'card.preview[0].item'],
    ['a preview date that is not a date', { preview: [{ day: 'yesterday' }] }, 'card.preview[0].day'],
    ['a preview column the schema lacks', { preview: [{ email: 'a@b.c' }] }, 'card.preview[0].email'],
  ])('is refused with MARKET_INVALID_CARD for %s', (_name, over, field) => {
    expect(refusal(() => validateCard(datasetCard(over)))).toMatchObject({ code: 'MARKET_INVALID_CARD', field })
  })
})

describe('an app card', () => {
  const template = { runnable: { kind: 'builtin', name: 'recommender' }, params: [{ name: 'k', type: 'int', default: 10, min: 1, max: 100 }] }

  it('is accepted with its template and optional metrics', () => {
    const card = validateCard({ kind: 'app', template, metrics: [{ name: 'recall@10', value: 0.2, dataset: 'held-out' }] }, 'app')
    expect(card).toEqual({ kind: 'app', template, metrics: [{ name: 'recall@10', value: 0.2, dataset: 'held-out' }] })
  })

  it('is refused without a valid template', () => {
    expect(refusal(() => validateCard({ kind: 'app' }))).toMatchObject({ code: 'MARKET_INVALID_CARD', field: 'card.template' })
    expect(refusal(() => validateCard({ kind: 'app', template: { runnable: { kind: 'builtin', name: 'chess' }, params: [] } }))).toMatchObject({ code: 'MARKET_INVALID_CARD', field: 'card.template.runnable.name' })
  })
})

describe('any card', () => {
  it('is refused when its kind is unknown or does not match the listing', () => {
    expect(refusal(() => validateCard({ kind: 'poem' }))).toMatchObject({ code: 'MARKET_INVALID_CARD', field: 'card.kind' })
    expect(refusal(() => validateCard(null))).toMatchObject({ code: 'MARKET_INVALID_CARD', field: 'card.kind' })
    expect(refusal(() => validateCard(modelCard(), 'dataset'))).toMatchObject({ code: 'MARKET_INVALID_CARD', field: 'card.kind' })
  })
})
