/**
 * The declarative training spec: a Keras-like layer list plus optimiser, loss and fit settings.
 * Specs come from users over the network, so everything is checked here with messages that point
 * at the offending field (`layers[2].units …`) before TF.js is touched.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { executorError } from '../errors.js'

const PosInt = (max: number) => Type.Integer({ minimum: 1, maximum: max })
const IntOrPair = Type.Union([PosInt(64), Type.Tuple([PosInt(64), PosInt(64)])])
const Padding = Type.Union([Type.Literal('valid'), Type.Literal('same')])

export const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'] as const
const Activation = Type.Union(ACTIVATIONS.map((a) => Type.Literal(a)))

const strict = { additionalProperties: false }

export const DenseSchema = Type.Object({
  type: Type.Literal('dense'),
  units: PosInt(65536),
  activation: Type.Optional(Activation),
  useBias: Type.Optional(Type.Boolean()),
}, strict)

export const Conv2dSchema = Type.Object({
  type: Type.Literal('conv2d'),
  filters: PosInt(4096),
  kernelSize: IntOrPair,
  strides: Type.Optional(IntOrPair),
  padding: Type.Optional(Padding),
  activation: Type.Optional(Activation),
  useBias: Type.Optional(Type.Boolean()),
}, strict)

export const MaxPooling2dSchema = Type.Object({
  type: Type.Literal('maxPooling2d'),
  poolSize: Type.Optional(IntOrPair),
  strides: Type.Optional(IntOrPair),
  padding: Type.Optional(Padding),
}, strict)

export const FlattenSchema = Type.Object({ type: Type.Literal('flatten') }, strict)

export const DropoutSchema = Type.Object({
  type: Type.Literal('dropout'),
  rate: Type.Number({ minimum: 0, exclusiveMaximum: 1 }),
}, strict)

export const BatchNormalizationSchema = Type.Object({
  type: Type.Literal('batchNormalization'),
  momentum: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  epsilon: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
}, strict)

/** Layer schemas by type; a layer is checked against its own schema so errors name its fields. */
export const LAYER_SCHEMAS = {
  dense: DenseSchema,
  conv2d: Conv2dSchema,
  maxPooling2d: MaxPooling2dSchema,
  flatten: FlattenSchema,
  dropout: DropoutSchema,
  batchNormalization: BatchNormalizationSchema,
} as const
export type LayerType = keyof typeof LAYER_SCHEMAS
export const LayerSchema = Type.Union(Object.values(LAYER_SCHEMAS))
export type LayerSpec = Static<typeof LayerSchema>

export const LOSSES = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'meanSquaredError', 'binaryCrossentropy'] as const
export type Loss = (typeof LOSSES)[number]
export const OPTIMIZERS = ['sgd', 'adam', 'rmsprop'] as const
export const METRICS = ['accuracy', 'meanSquaredError', 'meanAbsoluteError'] as const
export const NORMALIZATIONS = ['none', 'max', 'minmax', 'standard'] as const

export const TrainSpecSchema = Type.Object({
  /** Shape of one sample without the batch dim: [features] or [height, width, channels]. */
  inputShape: Type.Array(PosInt(1 << 24), { minItems: 1, maxItems: 3 }),
  layers: Type.Array(LayerSchema, { minItems: 1, maxItems: 64 }),
  optimizer: Type.Object({
    type: Type.Union(OPTIMIZERS.map((o) => Type.Literal(o))),
    learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
  }, strict),
  loss: Type.Union(LOSSES.map((l) => Type.Literal(l))),
  metrics: Type.Optional(Type.Array(Type.Union(METRICS.map((m) => Type.Literal(m))), { maxItems: 3 })),
  epochs: PosInt(1000),
  batchSize: Type.Optional(PosInt(65536)),
  /** Share of the (shuffled) samples held out for validation metrics. */
  validationSplit: Type.Optional(Type.Number({ minimum: 0, maximum: 0.9 })),
  /** Seeds weight initialisation, dropout, the validation split and per-epoch shuffling. */
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
  /** Feature scaling fitted on the training samples; the ONNX export applies it itself. */
  normalize: Type.Optional(Type.Union(NORMALIZATIONS.map((n) => Type.Literal(n)))),
}, strict)
export type TrainSpec = Static<typeof TrainSpecSchema>

/** Defaults for the optional fields. */
export const SPEC_DEFAULTS = { batchSize: 32, validationSplit: 0, seed: 0, normalize: 'none', learningRate: 0.001 } as const

const TopLevel = TypeCompiler.Compile(Type.Object({ ...TrainSpecSchema.properties, layers: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 64 }) }, strict))
const layerCheckers = Object.fromEntries(Object.entries(LAYER_SCHEMAS).map(([k, s]) => [k, TypeCompiler.Compile(s as TSchema)]))

function badSpec(message: string, path: string): never {
  throw executorError('COMPUTE_BAD_SPEC', `Invalid training spec: ${message}`, { path })
}

function pathText(prefix: string, pointer: string): string {
  const parts = pointer.split('/').filter((p) => p !== '')
  return parts.reduce((text, p) => (/^\d+$/.test(p) ? `${text}[${p}]` : `${text}.${p}`), prefix)
}

/** Checks a spec's shape and the loss/last-layer pairing; throws COMPUTE_BAD_SPEC naming the field. */
export function validateTrainSpec(spec: unknown): TrainSpec {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) badSpec('the spec must be a JSON object.', '')
  if (!TopLevel.Check(spec)) {
    const first = TopLevel.Errors(spec).First()
    const where = pathText('spec', first?.path ?? '')
    badSpec(`${where}: ${first?.message ?? 'does not match the schema'}.`, first?.path ?? '')
  }
  const layers = (spec as { layers: unknown[] }).layers
  layers.forEach((layer, i) => {
    const type = (layer as { type?: unknown } | null)?.type
    const checker = typeof type === 'string' ? layerCheckers[type] : undefined
    if (checker === undefined) {
      badSpec(`layers[${i}]: unknown layer type ${JSON.stringify(type)}; use one of ${Object.keys(LAYER_SCHEMAS).join(', ')}.`, `/layers/${i}/type`)
    }
    if (!checker.Check(layer)) {
      const first = checker.Errors(layer).First()
      badSpec(`${pathText(`layers[${i}]`, first?.path ?? '')}: ${first?.message ?? 'does not match the schema'}.`, `/layers/${i}${first?.path ?? ''}`)
    }
  })
  const valid = spec as TrainSpec
  const last = valid.layers[valid.layers.length - 1] as LayerSpec
  const where = `/layers/${valid.layers.length - 1}`
  if (last.type !== 'dense') badSpec('the last layer must be dense (it produces the predictions).', where)
  const activation = last.activation ?? 'linear'
  if ((valid.loss === 'categoricalCrossentropy' || valid.loss === 'sparseCategoricalCrossentropy') && (activation !== 'softmax' || last.units < 2)) {
    badSpec(`${valid.loss} needs a last dense layer with softmax activation and one unit per class (at least 2).`, where)
  }
  if (valid.loss === 'binaryCrossentropy' && (activation !== 'sigmoid' || last.units !== 1)) {
    badSpec('binaryCrossentropy needs a last dense layer with 1 unit and sigmoid activation.', where)
  }
  return valid
}
