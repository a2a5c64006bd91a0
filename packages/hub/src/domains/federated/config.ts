/**
 * The rules a federated configuration must pass before a training exists: the model is a valid
 * train spec, the strategy and its options exist, secure aggregation gets a strategy it can feed,
 * and the named datasets are held by enough nodes and fit each other and the model. Every refusal
 * has a stable code and names what is wrong.
 */
import { validateTrainSpec, type TrainSpec } from '@w3ai/compute/train-spec'
import { createStrategy, withDifferentialPrivacy, type DpSpec, type Strategy, type StrategySpec } from '@w3ai/federated'
import { W3aiError, type DatasetShape, type FlConfig, type FlMode, type FlSecureMode, type NodeDataset } from '@w3ai/protocol'

export const FL_DEFAULTS = {
  localEpochs: 1,
  inputScale: 1,
  seed: 0,
  roundTimeoutMs: 120_000,
  strategy: { name: 'fedavg' } as StrategySpec,
  secure: 'none' as FlSecureMode,
  mode: 'central' as FlMode,
} as const

/** A configuration with its defaults filled in and its model spec validated. */
export interface ResolvedConfig {
  spec: TrainSpec
  rounds: number
  localEpochs: number
  inputScale: number
  seed: number
  roundTimeoutMs: number
  strategy: StrategySpec
  secure: FlSecureMode
  mode: FlMode
  evaluation: string | undefined
}

/** One participant: a node and the dataset it trains (or evaluates) on. */
export interface FlClient {
  id: string
  nodeId: string
  dataset: string
  rows: number
}

const bad = (message: string, details?: unknown): W3aiError => new W3aiError('FL_BAD_CONFIG', message, details)

/** Which option names a sampling size in the strategy block (so clientsPerRound cannot contradict it). */
const SAMPLING_KEYS = ['fractionTrain', 'minTrainClients']

/** The strategy a configuration names, with clientsPerRound applied and wrapped for differential privacy under `dp` (FL_BAD_CONFIG for unknown names and options). */
export function strategyOf(config: Pick<FlConfig, 'strategy' | 'clientsPerRound' | 'dp'>): Strategy {
  const spec: StrategySpec = { ...(config.strategy ?? FL_DEFAULTS.strategy) }
  if (config.clientsPerRound !== undefined) {
    const clash = SAMPLING_KEYS.filter((k) => spec[k] !== undefined)
    if (clash.length > 0) throw bad(`clientsPerRound and strategy.${clash[0]} both set the round's sample size; give one of them.`, { field: 'clientsPerRound' })
    // A sample of exactly clientsPerRound: no fraction, that many at least.
    spec.fractionTrain = 0
    spec.minTrainClients = config.clientsPerRound
    spec.minAvailableClients ??= Math.min(config.clientsPerRound, 2)
  }
  const strategy = createStrategy(spec)
  if (config.dp === undefined) return strategy
  // Only JSON options: a noise source (a function) cannot come over the wire anyway.
  const dp = { ...(config.dp as unknown as DpSpec) }
  delete dp.normal
  return withDifferentialPrivacy(strategy, dp)
}

/** Checks everything that does not depend on which nodes hold what; returns the resolved config. */
export function resolveConfig(config: FlConfig): ResolvedConfig {
  const model = config.model
  if (model === null || typeof model !== 'object' || Array.isArray(model)) throw bad('model must be a training spec object (inputShape, layers, optimizer, loss).', { field: 'model' })
  const localEpochs = config.localEpochs ?? FL_DEFAULTS.localEpochs
  const seed = config.seed ?? FL_DEFAULTS.seed
  // Each round trains localEpochs: the spec's own epochs (if any) would say the same thing twice.
  const spec = validateTrainSpec({ ...(model as Record<string, unknown>), epochs: localEpochs, seed: (model as { seed?: number }).seed ?? seed })
  if ((spec.normalize ?? 'none') !== 'none') {
    throw bad(`model.normalize ${JSON.stringify(spec.normalize)} would fit a different scaling on every client; leave it out and set inputScale (e.g. 0.0625 for 0..16 features).`, { field: 'model.normalize' })
  }
  const strategy = strategyOf(config)
  const secure = config.secure ?? FL_DEFAULTS.secure
  if (secure !== 'none' && config.dp !== undefined && (config.dp as { side?: unknown }).side !== 'client') {
    throw new W3aiError('FL_SECURE_NEEDS_LINEAR', `With secure: ${secure} the hub never sees an update to clip: set dp.side to "client" (each client clips its own update; the hub adds the noise to the secure mean).`, { field: 'dp.side' })
  }
  if (secure !== 'none' && strategy.linear === undefined) {
    throw new W3aiError('FL_SECURE_NEEDS_LINEAR', `Strategy ${strategy.name} needs every update in plaintext (it compares them), but secure: ${secure} only lets the aggregator see their sum; pick fedavg, fedavgm, fedprox, fedadagrad, fedadam or fedyogi, or secure: none.`, { strategy: strategy.name, secure })
  }
  if (config.evaluation !== undefined && config.datasets.includes(config.evaluation.dataset)) {
    throw bad(`evaluation.dataset ${config.evaluation.dataset} is also a training dataset; the evaluation set must be held out.`, { field: 'evaluation.dataset' })
  }
  return {
    spec,
    rounds: config.rounds,
    localEpochs,
    inputScale: config.inputScale ?? FL_DEFAULTS.inputScale,
    seed,
    roundTimeoutMs: config.roundTimeoutMs ?? FL_DEFAULTS.roundTimeoutMs,
    strategy: config.strategy ?? FL_DEFAULTS.strategy,
    secure,
    mode: config.mode ?? FL_DEFAULTS.mode,
    evaluation: config.evaluation?.dataset,
  }
}

const sameShape = (a: DatasetShape, b: DatasetShape): boolean => a.features === b.features && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i])
const describe = (d: NodeDataset): string => `${d.name} on ${d.nodeId} ([${d.schema.shape.join(', ')}], ${d.schema.classes === undefined ? 'numeric labels' : `${d.schema.classes.length} text classes`})`

function incompatible(message: string, datasets: readonly NodeDataset[]): W3aiError {
  return new W3aiError('FL_INCOMPATIBLE_DATASETS', message, { datasets: datasets.map((d) => ({ name: d.name, nodeId: d.nodeId, shape: d.schema.shape, classes: d.schema.classes?.length ?? null, maxLabel: d.schema.maxLabel ?? null })) })
}

/**
 * The clients and evaluators of a training from the nodes holding its datasets, and the class
 * names of text labels (in one order for every client). FL_UNKNOWN_DATASET for a name no node
 * holds, FL_INCOMPATIBLE_DATASETS when they disagree with each other or with the model.
 */
export function matchDatasets(config: FlConfig, resolved: ResolvedConfig, holders: readonly NodeDataset[]): { clients: FlClient[]; evaluators: FlClient[]; classes: string[] | undefined } {
  const wanted = [...config.datasets, ...(resolved.evaluation === undefined ? [] : [resolved.evaluation])]
  const missing = wanted.filter((name) => !holders.some((h) => h.name === name))
  if (missing.length > 0) {
    throw new W3aiError('FL_UNKNOWN_DATASET', `No node holds ${missing.length === 1 ? 'a dataset' : 'datasets'} named ${missing.join(', ')}; register ${missing.length === 1 ? 'it' : 'them'} on the nodes with the data (\`w3ai node dataset add\`), see GET /v1/datasets.`, { missing })
  }
  const used = holders.filter((h) => wanted.includes(h.name))
  const first = used[0] as NodeDataset
  const odd = used.filter((d) => !sameShape(d.schema, first.schema))
  if (odd.length > 0) throw incompatible(`The datasets do not share one sample shape: ${describe(first)} but ${describe(odd[0] as NodeDataset)}.`, used)
  const { spec } = resolved
  const want = spec.inputShape.reduce((a, b) => a * b, 1)
  if (want !== first.schema.features) throw incompatible(`model.inputShape [${spec.inputShape.join(', ')}] holds ${want} features but the datasets' samples have ${first.schema.features}.`, used)
  const text = used.filter((d) => d.schema.classes !== undefined)
  if (text.length > 0 && text.length < used.length) throw incompatible(`Some datasets have text labels and some numeric ones: ${describe(text[0] as NodeDataset)}, ${describe(used.find((d) => d.schema.classes === undefined) as NodeDataset)}.`, used)
  const classes = text.length > 0 ? [...new Set(text.flatMap((d) => d.schema.classes ?? []))].sort() : undefined
  checkLabels(resolved, used, classes)
  const toClient = (d: NodeDataset): FlClient => ({ id: `${d.nodeId}/${d.name}`, nodeId: d.nodeId, dataset: d.name, rows: d.rows })
  return {
    clients: used.filter((d) => config.datasets.includes(d.name)).map(toClient),
    evaluators: used.filter((d) => d.name === resolved.evaluation).map(toClient),
    classes,
  }
}

/** The labels must suit the loss and the last layer: class ids below its units, one regression target, two classes for binary. */
function checkLabels(resolved: ResolvedConfig, used: readonly NodeDataset[], classes: string[] | undefined): void {
  const { spec } = resolved
  const last = spec.layers[spec.layers.length - 1]
  const units = last?.type === 'dense' ? last.units : 1
  const categorical = spec.loss === 'categoricalCrossentropy' || spec.loss === 'sparseCategoricalCrossentropy'
  if (spec.loss === 'meanSquaredError') {
    if (classes !== undefined) throw incompatible('meanSquaredError needs numeric labels; the datasets have text labels.', used)
    return
  }
  const limit = categorical ? units : 2
  if (classes !== undefined) {
    if (classes.length > limit) throw incompatible(`The datasets have ${classes.length} classes together (${classes.slice(0, 5).join(', ')}…) but the model's last layer gives ${limit}.`, used)
    return
  }
  const fractional = used.find((d) => !d.schema.integerLabels)
  if (fractional !== undefined) throw incompatible(`${spec.loss} needs class ids, but ${describe(fractional)} has fractional labels.`, used)
  const top = used.reduce((m, d) => Math.max(m, d.schema.maxLabel ?? 0), 0)
  if (top >= limit) throw incompatible(`Labels go up to ${top} but the model's last layer gives ${limit} classes (ids 0..${limit - 1}).`, used)
}
