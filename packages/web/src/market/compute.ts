/**
 * Compute-to-data from the page, kept apart from React so it is unit-tested. A buyer of a
 * compute-only dataset runs a training job on it without ever holding its key: the job names the
 * order, reads the order's object as its `dataset` input and seals its result to the buyer; the
 * seller's side (its My sales) wraps the data key to the nodes the hub chose for that job. Only the
 * sealed result leaves the data, and only the buyer's page opens it.
 */
import type { DatasetCard } from '@w3ai/market/portable'
import type { JobSubmit, Order } from '@w3ai/protocol'

/** A starting spec for the training job: a small dense network over the card's columns, the last one taken as the label. */
export function exampleSpec(card: Partial<DatasetCard> | null): Record<string, unknown> {
  const features = Math.max(1, (card?.schema?.length ?? 2) - 1)
  return {
    inputShape: [features],
    layers: [
      { type: 'dense', units: 32, activation: 'relu' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
    optimizer: { type: 'adam', learningRate: 0.01 },
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
    epochs: 5,
    batchSize: 32,
    validationSplit: 0.2,
    seed: 1,
    normalize: 'max',
  }
}

/** The training job on a compute-only order's data, sealed to `sealTo` (the buyer's encryption key). Throws when the spec is not a JSON object. */
export function computeJobOf(order: Pick<Order, 'id' | 'cid' | 'mode' | 'status'>, specText: string, sealTo: string): JobSubmit {
  if (order.mode !== 'compute-only' || order.status !== 'active') throw new Error(`Order ${order.id} is a ${order.mode} order, ${order.status}: only an active compute-only order runs a job on the data.`)
  let spec: unknown
  try {
    spec = JSON.parse(specText)
  } catch (err) {
    throw new Error(`The training spec is not JSON: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new Error('The training spec is a JSON object: { "inputShape": […], "layers": […], … }.')
  return { executor: 'train', inputs: { dataset: order.cid }, params: { spec }, order: order.id, sealTo }
}
