/**
 * The SEAL objects one parameter set needs (context, encoder, evaluator) and the checks every
 * key and ciphertext passes on its way in. Internal to the ckks module.
 */
import { W3aiError } from '@w3ai/protocol'
import type { CipherText } from 'node-seal/implementation/cipher-text'
import type { CKKSEncoder } from 'node-seal/implementation/ckks-encoder'
import type { Context } from 'node-seal/implementation/context'
import type { Evaluator } from 'node-seal/implementation/evaluator'
import { CanonicalEmbedding } from './embedding.js'
import { checkParams, ckksCapacity, ckksSlots, dataPrimes, sameParams, type CkksParams } from './params.js'
import { Residues } from './residues.js'
import { loadSeal, type SEALLibrary } from './seal.js'
import { ciphertextBytes, decodeSealObject, keyIdOf, malformed, secretKeyBytes, type CkksPublicKey, type CkksSecretKey, type CkksVector } from './wire.js'

export interface SealKit {
  seal: SEALLibrary
  params: CkksParams
  context: Context
  encoder: CKKSEncoder
  evaluator: Evaluator
  scale: number
  /** Complex slots per ciphertext (N/2). */
  slots: number
  /** Values per ciphertext: each slot carries two (embedding.ts). */
  valuesPerCiphertext: number
  capacity: number
  embedding: CanonicalEmbedding
  residues: Residues
  /** Where a ciphertext's first polynomial starts in its serialization (the second follows it). */
  polynomialOffset: number
  /** Bytes of one polynomial (N residues per data prime). */
  polynomialBytes: number
  /** Parms id of ciphertexts, and of keys (they differ when there is a special prime). */
  dataParmsId: BigUint64Array
  keyParmsId: BigUint64Array
  ciphertextBytes: number
  publicKeyBytes: number
  secretKeyBytes: number
}

/** Builds the SEAL context for `params` (checked first); close with `closeKit`. */
export async function openKit(params: CkksParams): Promise<SealKit> {
  const clean = checkParams(params)
  const seal = await loadSeal()
  const n = clean.polyModulusDegree
  const refused = (): W3aiError => new W3aiError('FL_CKKS_BAD_PARAMS', 'SEAL refused these CKKS parameters (not enough primes of those sizes for this ring dimension).', { params: clean })
  const parms = seal.EncryptionParameters(seal.SchemeType.ckks)
  let moduli: ReturnType<SEALLibrary['CoeffModulus']['Create']> | undefined
  try {
    try {
      moduli = seal.CoeffModulus.Create(n, Int32Array.from(clean.coeffModulusBits))
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
    const data = context.firstParmsId
    const key = context.keyParmsId
    const dataParmsId = data.values.slice()
    const keyParmsId = key.values.slice()
    data.delete()
    key.delete()
    const contextData = context.firstContextData
    const dataParms = contextData.parms
    const primes = Array.from(dataParms.coeffModulus)
    dataParms.delete()
    contextData.delete()
    const allPrimes = clean.coeffModulusBits.length
    const bytes = ciphertextBytes(n, dataPrimes(clean))
    return {
      seal,
      params: clean,
      context,
      encoder: seal.CKKSEncoder(context),
      evaluator: seal.Evaluator(context),
      scale: 2 ** clean.scaleBits,
      slots: ckksSlots(clean),
      valuesPerCiphertext: n,
      capacity: ckksCapacity(clean),
      embedding: new CanonicalEmbedding(n),
      residues: new Residues(n, primes),
      polynomialOffset: bytes - 2 * n * primes.length * 8,
      polynomialBytes: n * primes.length * 8,
      dataParmsId,
      keyParmsId,
      ciphertextBytes: bytes,
      publicKeyBytes: ciphertextBytes(n, allPrimes),
      secretKeyBytes: secretKeyBytes(n, allPrimes),
    }
  } finally {
    moduli?.delete()
    parms.delete()
  }
}

export function closeKit(kit: SealKit): void {
  kit.encoder.delete()
  kit.evaluator.delete()
  kit.context.delete()
}

/** Ciphertexts a vector of `length` values needs. */
export function ciphertextCount(kit: SealKit, length: number): number {
  return Math.ceil(length / kit.valuesPerCiphertext)
}

/** Checks a vector's shape (not its ciphertexts' contents) as received from anyone. */
export function checkVector(kit: SealKit, vector: unknown, details?: unknown): CkksVector {
  if (typeof vector !== 'object' || vector === null) throw malformed('An encrypted vector must be an object { keyId, length, ciphertexts }.', details)
  const { keyId, length, ciphertexts } = vector as Record<string, unknown>
  if (typeof keyId !== 'string' || keyId.length === 0) throw malformed('An encrypted vector has no key id.', details)
  if (!Number.isSafeInteger(length) || (length as number) < 1) throw malformed('An encrypted vector needs a positive integer length.', details)
  if (!Array.isArray(ciphertexts) || ciphertexts.length !== ciphertextCount(kit, length as number)) {
    throw malformed(`An encrypted vector of length ${String(length)} holds ${ciphertextCount(kit, length as number)} ciphertexts of ${kit.valuesPerCiphertext} values.`, details)
  }
  return vector as CkksVector
}

/** Loads one base64url ciphertext into `target` after the header checks; FL_CKKS_* codes on failure. */
export function loadCiphertext(kit: SealKit, text: unknown, target: CipherText, what: string, details?: unknown): void {
  loadCheckedCiphertext(kit, decodeSealObject(text, { what, bytes: kit.ciphertextBytes, parmsId: kit.dataParmsId, scale: kit.scale, details }), target, what, details)
}

/** Loads ciphertext bytes whose header passed `checkSealObject` into `target`. */
export function loadCheckedCiphertext(kit: SealKit, bytes: Uint8Array, target: CipherText, what: string, details?: unknown): void {
  try {
    target.loadArray(kit.context, bytes)
  } catch (e) {
    throw malformed(`${what} is not a valid ciphertext for these parameters (${(e as Error).message}).`, details)
  }
}

function checkKeyCommon(kit: SealKit, key: unknown, kind: CkksPublicKey['kind'] | CkksSecretKey['kind']): { keyId: string; bytes: Buffer } {
  const what = kind === 'ckks-public-key' ? 'The public key' : 'The secret key'
  if (typeof key !== 'object' || key === null || (key as { kind?: unknown }).kind !== kind) throw malformed(`${what} is not a ${kind} object.`)
  const { params, keyId, key: text } = key as Record<string, unknown>
  if (!sameParams(checkParams(params), kit.params)) {
    throw new W3aiError('FL_CKKS_PARAMS_MISMATCH', `${what} was made for other CKKS parameters than this context's.`, { key: params, context: kit.params })
  }
  if (typeof keyId !== 'string') throw malformed(`${what} has no key id.`)
  const expected = kind === 'ckks-public-key' ? kit.publicKeyBytes : kit.secretKeyBytes
  const bytes = decodeSealObject(text, { what, bytes: expected, parmsId: kit.keyParmsId })
  return { keyId, bytes }
}

/** A public key's bytes after checking its kind, parameters, size and that its id is its hash. */
export function checkedPublicKey(kit: SealKit, key: unknown): { keyId: string; bytes: Buffer } {
  const checked = checkKeyCommon(kit, key, 'ckks-public-key')
  if (keyIdOf(kit.params, checked.bytes) !== checked.keyId) throw malformed('The public key id is not the hash of the key; use the key as the job owner published it.')
  return checked
}

export function checkedSecretKey(kit: SealKit, key: unknown): { keyId: string; bytes: Buffer } {
  return checkKeyCommon(kit, key, 'ckks-secret-key')
}
