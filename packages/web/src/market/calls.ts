/**
 * Paid calls of a per-call model from the page, kept apart from React so they are unit-tested: the
 * seller's deployment to call (its id, d_ and 24 hex digits, which the seller names on the listing)
 * and the input tensors as JSON, with a starting point made from the model card's inputs (free
 * dims as 1, zeros).
 */
import type { ModelCard } from '@w3ai/market/portable'
import type { InferRequest } from '@w3ai/protocol'

export const DEPLOYMENT_ID = /^d_[0-9a-f]{24}$/

/** The first deployment id written in `text` (a listing's description, say), or ''. */
export function deploymentIn(text: string): string {
  return /\bd_[0-9a-f]{24}\b/.exec(text)?.[0] ?? ''
}

/** Zero tensors shaped as the card's inputs (a named or unknown dim counts 1). */
export function exampleInputs(card: Pick<ModelCard, 'inputs'> | null): InferRequest['inputs'] {
  const out: InferRequest['inputs'] = {}
  for (const t of card?.inputs ?? [{ name: 'x', type: 'float32', shape: ['batch', 4] }]) {
    const dims = t.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1))
    const size = dims.reduce((a, b) => a * b, 1)
    out[t.name] = { type: t.type, dims, data: new Array<number>(Math.min(size, 10_000)).fill(0) }
  }
  return out
}

/** The deployment and inputs typed → what to send, or an Error whose message the form shows. */
export function callOf(deployment: string, inputsText: string): { deploymentId: string; inputs: InferRequest['inputs'] } {
  const deploymentId = deployment.trim()
  if (!DEPLOYMENT_ID.test(deploymentId)) throw new Error("Name the seller's deployment of this model: d_ and 24 hex digits (the seller gives it on the listing).")
  let inputs: unknown
  try {
    inputs = JSON.parse(inputsText)
  } catch (err) {
    throw new Error(`The inputs are not JSON: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs) || Object.keys(inputs).length === 0) throw new Error('The inputs are named tensors: { "x": { "type": "float32", "dims": [1, 4], "data": [1, 2, 3, 4] } }.')
  for (const [name, t] of Object.entries(inputs as Record<string, unknown>)) {
    const tensor = t as { type?: unknown; dims?: unknown; data?: unknown } | null
    if (tensor === null || typeof tensor !== 'object' || typeof tensor.type !== 'string' || !Array.isArray(tensor.dims) || !Array.isArray(tensor.data)) throw new Error(`Input ${name} is { "type", "dims": […], "data": […] }.`)
  }
  return { deploymentId, inputs: inputs as InferRequest['inputs'] }
}
