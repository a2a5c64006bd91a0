/**
 * The JSON forms of CKKS keys and encrypted vectors, and the checks on SEAL's binary form that
 * run before SEAL parses anything: a wrong size, a compressed body (SEAL would inflate whatever it
 * is told to) or another parameter set is refused with a clear code, not a SEAL exception.
 */
import { createHash } from 'node:crypto'
import { W3aiError } from '@w3ai/protocol'
import { toBase64Url } from '../encoding.js'
import { paramsFingerprint, type CkksParams } from './params.js'

/** The job owner's public key: what clients encrypt under. Safe to publish. */
export interface CkksPublicKey {
  kind: 'ckks-public-key'
  params: CkksParams
  /** Hash of the parameters and the key; every ciphertext under this key carries it. */
  keyId: string
  /** SEAL's serialized public key, base64url. */
  key: string
}

/** The job owner's secret key. It never leaves the owner: nothing else in the protocol takes it. */
export interface CkksSecretKey {
  kind: 'ckks-secret-key'
  params: CkksParams
  keyId: string
  key: string
}

export interface CkksKeyPair {
  publicKey: CkksPublicKey
  secretKey: CkksSecretKey
}

/** A vector of `length` numbers encrypted under the key `keyId`, N values per ciphertext (two per complex slot). */
export interface CkksVector {
  keyId: string
  length: number
  /** SEAL ciphertexts, base64url; the last is padded with zeros. */
  ciphertexts: string[]
}

/** The key id: 128 bits of SHA-256 over the parameters and the serialized public key. */
export function keyIdOf(params: CkksParams, publicKey: Uint8Array): string {
  const hash = createHash('sha256').update('w3ai/ckks/v1\n').update(paramsFingerprint(params)).update('\n').update(publicKey).digest()
  return toBase64Url(hash.subarray(0, 16))
}

export function malformed(message: string, details?: unknown): W3aiError {
  return new W3aiError('FL_CKKS_MALFORMED', message, details)
}

/** SEAL 4 serialization: a 16-byte header, then the object; every kind here starts with its parms id. */
const HEADER_BYTES = 16
const SEAL_MAGIC = 0xa15e
const PARMS_ID_BYTES = 32
// Ciphertexts and public keys: parms id, NTT flag (1), size, degree, prime count, scale,
// correction factor (8 each), then the coefficients as a nested array (header 16, count 8).
const CIPHERTEXT_FIXED = HEADER_BYTES + PARMS_ID_BYTES + 1 + 5 * 8 + HEADER_BYTES + 8
// Secret keys (a plaintext): parms id, coefficient count, scale, then the nested array.
const PLAINTEXT_FIXED = HEADER_BYTES + PARMS_ID_BYTES + 2 * 8 + HEADER_BYTES + 8
const SCALE_OFFSET = HEADER_BYTES + PARMS_ID_BYTES + 1 + 3 * 8
/** Where a serialized ciphertext says whether it is in NTT form (1) or coefficient form (0). */
export const NTT_FLAG_OFFSET = HEADER_BYTES + PARMS_ID_BYTES
const SIZE_OFFSET = HEADER_BYTES + PARMS_ID_BYTES + 1

/** Serialized length of a two-polynomial ciphertext (or public key) over `primes` primes. */
export function ciphertextBytes(n: number, primes: number): number {
  return CIPHERTEXT_FIXED + 2 * n * primes * 8
}

export function secretKeyBytes(n: number, primes: number): number {
  return PLAINTEXT_FIXED + n * primes * 8
}

export interface SealShape {
  /** What the object is, for messages ("ciphertext 3 of update 2"). */
  what: string
  bytes: number
  parmsId: BigUint64Array
  /** For ciphertexts: the scale every value was encoded at. */
  scale?: number
  details?: unknown
}

function checkParmsId(view: DataView, shape: SealShape): void {
  for (let i = 0; i < 4; i++) {
    if (view.getBigUint64(HEADER_BYTES + 8 * i, true) !== shape.parmsId[i]) {
      throw new W3aiError('FL_CKKS_PARAMS_MISMATCH', `${shape.what} was made with other CKKS parameters than this key's.`, shape.details)
    }
  }
}

function isSeal(bytes: Uint8Array, view: DataView): boolean {
  return bytes.byteLength >= HEADER_BYTES + PARMS_ID_BYTES && view.getUint16(0, true) === SEAL_MAGIC
}

/**
 * Decodes a SEAL object sent as base64url and checks its header against what this context
 * expects, before SEAL parses it. Buffer.from skips characters outside the alphabet, so with the
 * text length fixed any such character shortens the result: checking both lengths is as strict
 * as a regular expression, and much faster on 90 KB strings.
 */
export function decodeSealObject(text: unknown, shape: SealShape): Buffer {
  const { what, details } = shape
  if (typeof text !== 'string') throw malformed(`${what} is not base64url text.`, details)
  if (text.length !== Math.ceil((shape.bytes * 4) / 3)) {
    // Another size: its header tells another parameter set from a broken object.
    const head = Buffer.from(text.slice(0, 64), 'base64url')
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
    if (isSeal(head, view)) checkParmsId(view, shape)
    throw malformed(`${what} is not base64url text of ${shape.bytes} bytes.`, details)
  }
  const bytes = Buffer.from(text, 'base64url')
  if (bytes.byteLength !== shape.bytes) throw malformed(`${what} is not base64url text of ${shape.bytes} bytes.`, details)
  checkSealObject(bytes, shape)
  return bytes
}

/**
 * Checks a SEAL object's bytes (as received in a binary envelope) against what this context
 * expects, before SEAL parses them: size, magic, no compression, parameter set, and for
 * ciphertexts two parts at the parameters' scale.
 */
export function checkSealObject(bytes: Uint8Array, shape: SealShape): void {
  const { what, details } = shape
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (!isSeal(bytes, view)) throw malformed(`${what} is not a SEAL object.`, details)
  if (bytes.byteLength !== shape.bytes) {
    checkParmsId(view, shape)
    throw malformed(`${what} is not ${shape.bytes} bytes long.`, details)
  }
  if (bytes[5] !== 0) throw malformed(`${what} is compressed; send it uncompressed.`, details)
  checkParmsId(view, shape)
  if (view.getBigUint64(8, true) !== BigInt(bytes.byteLength)) throw malformed(`${what} declares another size than it has.`, details)
  if (shape.scale !== undefined) {
    if (view.getBigUint64(SIZE_OFFSET, true) !== 2n) throw malformed(`${what} is not a fresh two-part ciphertext.`, details)
    if (bytes[NTT_FLAG_OFFSET] !== 1) throw malformed(`${what} is not in NTT form, as CKKS ciphertexts are.`, details)
    if (view.getFloat64(SCALE_OFFSET, true) !== shape.scale) throw new W3aiError('FL_CKKS_PARAMS_MISMATCH', `${what} was encoded at another scale than this key's parameters use.`, details)
  }
}
