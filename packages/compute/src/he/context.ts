/**
 * The SEAL objects one parameter set needs (context, encoder, evaluator), its modulus chain and
 * the exact sizes of the objects that cross the wire. One per parameter set and process, never
 * closed: building one takes tens of milliseconds and evaluateHe may run once per block batch.
 */
import type { CKKSEncoder } from 'node-seal/implementation/ckks-encoder'
import type { Context } from 'node-seal/implementation/context'
import type { Evaluator } from 'node-seal/implementation/evaluator'
import type { ParmsIdType } from 'node-seal/implementation/parms-id-type'
import { heError } from './errors.js'
import { checkHeParams, heDepth, heParamsFingerprint, heSlots, type HeParams } from './params.js'
import { loadSeal, type SEALLibrary } from './seal.js'
import { ciphertextBytes, relinKeysBytes, secretKeyBytes, seededCiphertextBytes } from './seal-object.js'

/** One level of the modulus chain: ciphertexts at level l have been rescaled l times. */
export interface HeLevel {
  parmsId: ParmsIdType
  /** Its parms id as SEAL serializes it (checked in object headers). */
  parmsIdValues: BigUint64Array
  /** The prime the next rescale divides by (undefined at the last level). */
  nextPrime: number | undefined
  /** Bytes of a full two-part ciphertext at this level. */
  ciphertextBytes: number
}

export interface HeContext {
  seal: SEALLibrary
  params: HeParams
  context: Context
  encoder: CKKSEncoder
  evaluator: Evaluator
  /** 2^scaleBits: the scale of inputs and of every linear layer's output. */
  scale: number
  slots: number
  /** Level 0 (fresh ciphertexts) to level depth (only the first prime left). */
  levels: HeLevel[]
  keyParmsIdValues: BigUint64Array
  /** A fresh seeded symmetric ciphertext, as HeClient encrypts. */
  seededCiphertextBytes: number
  relinKeysBytes: number
  secretKeyBytes: number
  publicKeyBytes: number
}

async function build(params: HeParams): Promise<HeContext> {
  const seal = await loadSeal()
  const n = params.polyModulusDegree
  const refused = () => heError('HE_BAD_PARAMS', 'SEAL refused these HE parameters (not enough primes of those sizes for this ring dimension).', { params })
  const parms = seal.EncryptionParameters(seal.SchemeType.ckks)
  let moduli: ReturnType<SEALLibrary['CoeffModulus']['Create']> | undefined
  try {
    try {
      moduli = seal.CoeffModulus.Create(n, Int32Array.from(params.coeffModulusBits))
    } catch {
      throw refused()
    }
    parms.setPolyModulusDegree(n)
    parms.setCoeffModulus(moduli)
    const context = seal.Context(parms, true, seal.SecurityLevel.tc128)
    if (!context.parametersSet()) {
      context.delete()
      throw refused()
    }
    const levels: HeLevel[] = []
    let data = context.firstContextData
    for (let l = 0; l <= heDepth(params); l++) {
      const primes = Array.from(data.parms.coeffModulus, Number)
      const parmsId = data.parmsId
      levels.push({ parmsId, parmsIdValues: parmsId.values.slice(), nextPrime: l < heDepth(params) ? primes[primes.length - 1] : undefined, ciphertextBytes: ciphertextBytes(n, primes.length) })
      const next = l < heDepth(params) ? data.nextContextData : undefined
      data.delete()
      if (next !== undefined) data = next
    }
    const keyParmsId = context.keyParmsId
    const keyParmsIdValues = keyParmsId.values.slice()
    keyParmsId.delete()
    const all = params.coeffModulusBits.length
    return {
      seal,
      params,
      context,
      encoder: seal.CKKSEncoder(context),
      evaluator: seal.Evaluator(context),
      scale: 2 ** params.scaleBits,
      slots: heSlots(params),
      levels,
      keyParmsIdValues,
      seededCiphertextBytes: seededCiphertextBytes(n, all - 1),
      relinKeysBytes: relinKeysBytes(n, all),
      secretKeyBytes: secretKeyBytes(n, all),
      publicKeyBytes: ciphertextBytes(n, all),
    }
  } finally {
    moduli?.delete()
    parms.delete()
  }
}

const contexts = new Map<string, Promise<HeContext>>()

/** The process's context for `params` (checked first: HE_BAD_PARAMS). */
export function heContext(params: unknown): Promise<HeContext> {
  let clean: HeParams
  try {
    clean = checkHeParams(params)
  } catch (err) {
    return Promise.reject(err)
  }
  const key = heParamsFingerprint(clean)
  let context = contexts.get(key)
  if (context === undefined) {
    context = build(clean)
    contexts.set(key, context)
    context.catch(() => contexts.delete(key))
  }
  return context
}
