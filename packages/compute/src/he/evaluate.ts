/**
 * The node's side: ciphertexts in, ciphertexts out, with public material only. Inputs are
 * checked before SEAL sees them (keys, parameters, shapes, then each ciphertext's header), blocks
 * are evaluated one at a time with SEAL objects reused across blocks, and outputs are switched
 * down to the last level (the first prime alone) before they are saved: that is the smallest
 * ciphertext the client can decrypt.
 */
import type { CipherText } from 'node-seal/implementation/cipher-text'
import type { RelinKeys } from 'node-seal/implementation/relin-keys'
import { heContext, type HeContext } from './context.js'
import { heError } from './errors.js'
import type { HeModel } from './model.js'
import { heDepth, heParamsHash, type HeParams } from './params.js'
import { planFor, type Plan, type Step } from './plan.js'
import { checkSealObject, sealLoad } from './seal-object.js'
import { BATCH_MAGIC, readKeys, readPackCiphertexts, readPackHeader, RESULT_MAGIC, writePack, type PackHeader } from './wire.js'

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && a.every((v, i) => v === b[i])

/** What evaluateHe checks before any SEAL work, in the order a caller can fix them. */
function checkInputs(model: HeModel, params: HeParams, keyId: string, batch: PackHeader): void {
  if (!sameBytes(batch.paramsHash, heParamsHash(params))) {
    throw heError('HE_PARAMS_MISMATCH', 'The batch was encrypted with other HE parameters than the evaluation keys were made for.', { params })
  }
  if (batch.keyId !== keyId) throw heError('HE_KEY_MISMATCH', 'The batch was encrypted under another key than the evaluation keys belong to.', { batchKeyId: batch.keyId, keysKeyId: keyId })
  if (batch.width !== model.features) {
    throw heError('HE_SHAPE_MISMATCH', `The batch has ${batch.width} features per row; the model takes ${model.features}.`, { features: batch.width, expected: model.features })
  }
  if (model.depth > heDepth(params)) {
    throw heError('HE_DEPTH_EXCEEDED', `The model needs a multiplicative depth of ${model.depth}; these HE parameters allow ${heDepth(params)}.`, { depth: model.depth, allowed: heDepth(params) })
  }
}

function loadRelinKeys(ctx: HeContext, bytes: Uint8Array | undefined, needed: boolean): RelinKeys | undefined {
  if (bytes === undefined) {
    if (needed) throw heError('HE_MALFORMED', 'The evaluation keys carry no relinearization keys, which this model needs (it squares ciphertexts); make them with evaluationKeys(model).', { missing: 'relinKeys' })
    return undefined
  }
  if (bytes.byteLength === ctx.secretKeyBytes) throw heError('HE_NO_SECRET_KEY_HERE', 'The evaluation keys hold a secret key where the relinearization keys belong; never send it.')
  checkSealObject(bytes, { what: 'The relinearization keys', lengths: [ctx.relinKeysBytes], parmsId: ctx.keyParmsIdValues })
  if (!needed) return undefined
  const keys = ctx.seal.RelinKeys()
  try {
    sealLoad(() => keys.loadArray(ctx.context, bytes), 'The relinearization keys')
  } catch (err) {
    keys.delete()
    throw err
  }
  return keys
}

/** SEAL ciphertexts reused across blocks: the inputs and each step's outputs. */
class Workspace {
  readonly all: CipherText[] = []
  constructor(readonly ctx: HeContext) {}
  many(n: number): CipherText[] {
    return Array.from({ length: n }, () => this.one())
  }
  one(): CipherText {
    const ct = this.ctx.seal.CipherText()
    this.all.push(ct)
    return ct
  }
  free(): void {
    for (const ct of this.all) ct.delete()
  }
}

interface StepBuffers {
  out: CipherText[]
  tmp: CipherText[]
}

function runStep(ctx: HeContext, step: Step, x: CipherText[], buf: StepBuffers, relin: RelinKeys | undefined): CipherText[] {
  const ev = ctx.evaluator
  if (step.kind === 'linear') {
    const { inputs, outputs } = step.layer
    const tmp = buf.tmp[0]!
    for (let j = 0; j < outputs; j++) {
      const y = buf.out[j]!
      let first = true
      for (let i = 0; i < inputs; i++) {
        const w = step.weights[j * inputs + i]
        if (w === undefined) continue
        if (first) ev.multiplyPlain(x[i]!, w, y)
        else {
          ev.multiplyPlain(x[i]!, w, tmp)
          ev.add(y, tmp, y)
        }
        first = false
      }
      ev.rescaleToNext(y, y)
      y.setScale(ctx.scale)
      const b = step.bias[j]
      if (b !== undefined) ev.addPlain(y, b, y)
    }
    return buf.out.slice(0, outputs)
  }
  if (step.kind === 'square') {
    return x.map((v, k) => {
      const y = buf.out[k]!
      ev.square(v, y)
      ev.relinearize(y, relin!, y)
      ev.rescaleToNext(y, y)
      y.setScale(step.scale)
      return y
    })
  }
  const [x2, t, u] = buf.tmp as [CipherText, CipherText, CipherText]
  return x.map((v, k) => {
    const y = buf.out[k]!
    ev.square(v, x2)
    ev.relinearize(x2, relin!, x2)
    ev.rescaleToNext(x2, x2)
    x2.setScale(step.squareScale)
    ev.multiplyPlain(v, step.c3, t)
    ev.rescaleToNext(t, t)
    t.setScale(step.c3Scale)
    ev.multiplyPlain(v, step.c1, u)
    ev.rescaleToNext(u, u)
    u.setScale(ctx.scale)
    ev.cipherModSwitchTo(u, step.outLevel.parmsId, u)
    ev.multiply(x2, t, y)
    ev.relinearize(y, relin!, y)
    ev.rescaleToNext(y, y)
    y.setScale(ctx.scale)
    ev.add(y, u, y)
    ev.addPlain(y, step.c0, y)
    return y
  })
}

function evaluateBlocks(ctx: HeContext, model: HeModel, plan: Plan, inputs: Uint8Array[], relin: RelinKeys | undefined): Uint8Array[] {
  const work = new Workspace(ctx)
  try {
    const x0 = work.many(model.features)
    let width = model.features
    const buffers = plan.steps.map((step): StepBuffers => {
      if (step.kind === 'linear') width = step.layer.outputs
      return { out: work.many(width), tmp: work.many(step.kind === 'cubic' ? 3 : 1) }
    })
    const last = ctx.levels[ctx.levels.length - 1]!
    const out: Uint8Array[] = []
    const blocks = inputs.length / model.features
    for (let b = 0; b < blocks; b++) {
      for (let f = 0; f < model.features; f++) {
        const bytes = inputs[b * model.features + f]!
        const what = `Ciphertext ${f} of block ${b}`
        const details = { block: b, feature: f }
        checkSealObject(bytes, { what, lengths: [ctx.seededCiphertextBytes, ctx.levels[0]!.ciphertextBytes], parmsId: ctx.levels[0]!.parmsIdValues, ciphertext: true, scale: ctx.scale, details })
        sealLoad(() => x0[f]!.loadArray(ctx.context, bytes), what, details)
      }
      let x = x0
      plan.steps.forEach((step, s) => {
        x = runStep(ctx, step, x, buffers[s]!, relin)
      })
      for (const y of x) {
        if (plan.level < ctx.levels.length - 1) ctx.evaluator.cipherModSwitchTo(y, last.parmsId, y)
        out.push(y.saveArray(ctx.seal.ComprModeType.none))
      }
    }
    return out
  } finally {
    work.free()
  }
}

/**
 * Evaluates `model` on an encrypted batch with the requester's evaluation keys (public material:
 * parameters, key id, relinearization keys) and returns the encrypted result for HeClient.decryptOutputs.
 * Codes: HE_MALFORMED, HE_NO_SECRET_KEY_HERE, HE_BAD_PARAMS, HE_PARAMS_MISMATCH, HE_KEY_MISMATCH,
 * HE_SHAPE_MISMATCH, HE_DEPTH_EXCEEDED.
 */
export async function evaluateHe(model: HeModel, evaluationKeys: Uint8Array, batch: Uint8Array): Promise<Uint8Array> {
  const keys = readKeys(evaluationKeys)
  const header = readPackHeader(batch, BATCH_MAGIC, 'batch')
  checkInputs(model, keys.params, keys.keyId, header)
  const ctx = await heContext(keys.params)
  const inputs = readPackCiphertexts(batch, header, ctx.slots, 'batch')
  const relin = loadRelinKeys(ctx, keys.relinKeys, model.needsRelinKeys)
  try {
    const plan = planFor(ctx, model)
    const outputs = evaluateBlocks(ctx, model, plan, inputs, relin)
    return writePack(RESULT_MAGIC, { paramsHash: header.paramsHash, keyId: header.keyId, rows: header.rows, width: model.outputs }, outputs)
  } finally {
    relin?.delete()
  }
}
