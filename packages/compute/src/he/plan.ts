/**
 * A model's constants encoded once per parameter set, at the level and scale each operation
 * meets them. Scales are kept exact rather than approximately 2^scaleBits: a layer's weights are
 * encoded at p·S/s (p the prime its rescale divides by, s the scale of its inputs), so that after
 * the rescale every output is at exactly S = 2^scaleBits whatever the squares before it did
 * (a square's rescale leaves s²/p). Biases and additive constants are then encoded at S.
 */
import { createHash } from 'node:crypto'
import { Lru } from '@w3ai/util'
import type { PlainText } from 'node-seal/implementation/plain-text'
import type { HeContext, HeLevel } from './context.js'
import { heError } from './errors.js'
import type { HeCubicLayer, HeLayer, HeLinearLayer, HeModel } from './model.js'
import { heParamsFingerprint } from './params.js'

/** A linear layer whose weights are all zero still needs a ciphertext: this weight on its first input stands in (an error of 2^-30·|x|). */
const ZERO_COLUMN_WEIGHT = 2 ** -30

export interface LinearStep {
  kind: 'linear'
  layer: HeLinearLayer
  /** outputs × inputs; undefined where the weight is zero (skipped). */
  weights: (PlainText | undefined)[]
  bias: (PlainText | undefined)[]
}

export interface SquareStep {
  kind: 'square'
  /** Scale after the rescale (s²/p). */
  scale: number
}

export interface CubicStep {
  kind: 'cubic'
  c0: PlainText
  c1: PlainText
  c3: PlainText
  /** Scales of x² and of c3·x after their rescales. */
  squareScale: number
  c3Scale: number
  /** The level the result (and c1·x, switched down to it) ends at. */
  outLevel: HeLevel
}

export type Step = LinearStep | SquareStep | CubicStep

export interface Plan {
  steps: Step[]
  /** Scale of the model's outputs. */
  scale: number
  /** Level of the model's outputs. */
  level: number
  /** Every plaintext of the plan, to free them. */
  plaintexts: PlainText[]
}

function encoder(ctx: HeContext, plaintexts: PlainText[]) {
  const values = new Float64Array(ctx.slots)
  return (value: number, scale: number, level: HeLevel): PlainText => {
    const pt = ctx.seal.PlainText()
    plaintexts.push(pt)
    ctx.encoder.encode(values.fill(value), scale, pt)
    ctx.evaluator.plainModSwitchTo(pt, level.parmsId, pt)
    return pt
  }
}

function nextPrime(ctx: HeContext, level: number): number {
  const p = ctx.levels[level]?.nextPrime
  // evaluateHe checks the depth first; this guards plans built directly.
  if (p === undefined) throw heError('HE_DEPTH_EXCEEDED', `The model needs more than the ${ctx.levels.length - 1} levels of these HE parameters.`)
  return p
}

/** Encodes every constant of `layers` for `ctx`; free with freePlan. */
export function buildPlan(ctx: HeContext, layers: readonly HeLayer[]): Plan {
  const plaintexts: PlainText[] = []
  const encode = encoder(ctx, plaintexts)
  const S = ctx.scale
  const steps: Step[] = []
  let level = 0
  let scale = S
  try {
    for (const layer of layers) {
      if (layer.kind === 'linear') {
        const delta = (nextPrime(ctx, level) * S) / scale
        const here = ctx.levels[level]!
        const after = ctx.levels[level + 1]!
        // A weight that rounds to 0 at this scale would make SEAL's product transparent (all zero): skip it.
        const weights = Array.from(layer.weights, (w) => (Math.abs(w * delta) < 1 ? undefined : encode(w, delta, here)))
        for (let j = 0; j < layer.outputs; j++) {
          if (weights.slice(j * layer.inputs, (j + 1) * layer.inputs).every((w) => w === undefined)) weights[j * layer.inputs] = encode(ZERO_COLUMN_WEIGHT, delta, here)
        }
        steps.push({ kind: 'linear', layer, weights, bias: Array.from(layer.bias, (b) => (Math.abs(b * S) < 1 ? undefined : encode(b, S, after))) })
        level += 1
        scale = S
      } else if (layer.kind === 'square') {
        scale = (scale * scale) / nextPrime(ctx, level)
        steps.push({ kind: 'square', scale })
        level += 1
      } else {
        steps.push(cubicStep(ctx, layer, level, scale, encode))
        level += 2
        scale = S
      }
    }
  } catch (err) {
    for (const pt of plaintexts) pt.delete()
    throw err
  }
  return { steps, scale, level, plaintexts }
}

function cubicStep(ctx: HeContext, layer: HeCubicLayer, level: number, s: number, encode: ReturnType<typeof encoder>): CubicStep {
  if (layer.c1 === 0 || layer.c3 === 0) throw heError('HE_UNSUPPORTED_OP', 'A cubic layer needs non-zero c1 and c3.', { op: 'cubic' })
  const S = ctx.scale
  const pa = nextPrime(ctx, level)
  const pb = nextPrime(ctx, level + 1)
  const here = ctx.levels[level]!
  const outLevel = ctx.levels[level + 2]!
  // x²·(c3·x) rescaled by pb lands on S: (s²/pa)·(s·Δ/pa)/pb = S.
  const c3Delta = (S * pa * pa * pb) / (s * s * s)
  return {
    kind: 'cubic',
    c3: encode(layer.c3, c3Delta, here),
    c1: encode(layer.c1, (pa * S) / s, here),
    c0: encode(layer.c0, S, outLevel),
    squareScale: (s * s) / pa,
    c3Scale: (s * c3Delta) / pa,
    outLevel,
  }
}

export function freePlan(plan: Plan): void {
  for (const pt of plan.plaintexts) pt.delete()
  plan.plaintexts.length = 0
}

/** Plans kept per model and parameter set (their plaintexts are WASM memory, freed on eviction). */
const plans = new Lru<string, Plan>({ maxEntries: 4, onEvict: (_key, plan) => freePlan(plan) })

function modelFingerprint(model: HeModel): string {
  const hash = createHash('sha256')
  for (const layer of model.layers) {
    hash.update(layer.kind)
    if (layer.kind === 'linear') {
      hash.update(`${layer.inputs}x${layer.outputs}`)
      hash.update(new Uint8Array(Float64Array.from(layer.weights).buffer))
      hash.update(new Uint8Array(Float64Array.from(layer.bias).buffer))
    } else if (layer.kind === 'cubic') {
      hash.update(new Uint8Array(Float64Array.of(layer.c0, layer.c1, layer.c3).buffer))
    }
  }
  return hash.digest('hex')
}

/** The cached plan of `model` for `ctx` (built on first use). */
export function planFor(ctx: HeContext, model: HeModel): Plan {
  const key = `${heParamsFingerprint(ctx.params)}/${modelFingerprint(model)}`
  let plan = plans.get(key)
  if (plan === undefined) {
    plan = buildPlan(ctx, model.layers)
    plans.set(key, plan)
  }
  return plan
}
