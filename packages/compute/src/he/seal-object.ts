/**
 * Checks on SEAL's serialized objects before SEAL parses them. SEAL (as WebAssembly) aborts its
 * whole instance on some truncated inputs instead of throwing, so nothing reaches loadArray
 * unless its header is sound and its length is exactly one SEAL writes for these parameters: a
 * wrong size, a compressed body (SEAL would inflate whatever it is told to) or another parameter
 * set is refused with a clear code.
 */
import { heError } from './errors.js'

/** SEAL 4 serialization: a 16-byte header (magic, header size, version, compression, size), then the object. */
const HEADER_BYTES = 16
const SEAL_MAGIC = 0xa15e
const PARMS_ID_BYTES = 32
// Ciphertexts: parms id, NTT flag (1), size, degree, prime count, scale, correction factor (8 each),
// then the coefficients as a nested array (its own 16-byte header and an 8-byte count).
const CIPHERTEXT_FIXED = HEADER_BYTES + PARMS_ID_BYTES + 1 + 5 * 8 + HEADER_BYTES + 8
// A seeded ciphertext replaces its second polynomial by the PRNG seed and its description.
const SEED_BYTES = 81
// Secret keys (a plaintext): parms id, coefficient count, scale, then the nested array.
const PLAINTEXT_FIXED = HEADER_BYTES + PARMS_ID_BYTES + 2 * 8 + HEADER_BYTES + 8
// Relinearization keys: header, parms id, two vector counts, then one seeded key per data prime.
const KSWITCH_FIXED = HEADER_BYTES + PARMS_ID_BYTES + 2 * 8
const NTT_FLAG_OFFSET = HEADER_BYTES + PARMS_ID_BYTES
const SIZE_OFFSET = NTT_FLAG_OFFSET + 1
const SCALE_OFFSET = SIZE_OFFSET + 3 * 8

/** A full two-part ciphertext over `primes` primes (also a public key's size, over all primes). */
export function ciphertextBytes(n: number, primes: number): number {
  return CIPHERTEXT_FIXED + 2 * n * primes * 8
}

/** A fresh symmetric ciphertext saved with its seed (half the size). */
export function seededCiphertextBytes(n: number, primes: number): number {
  return CIPHERTEXT_FIXED + n * primes * 8 + SEED_BYTES
}

/** Seeded relinearization keys: one key per data prime, each over all `primes`. */
export function relinKeysBytes(n: number, primes: number): number {
  return KSWITCH_FIXED + (primes - 1) * seededCiphertextBytes(n, primes)
}

export function secretKeyBytes(n: number, primes: number): number {
  return PLAINTEXT_FIXED + n * primes * 8
}

export interface SealShape {
  /** What the object is, for messages ("ciphertext 3 of block 2"). */
  what: string
  /** The lengths SEAL writes for this object and these parameters. */
  lengths: readonly number[]
  parmsId: BigUint64Array
  /** A ciphertext: two parts in NTT form, as CKKS ciphertexts are. */
  ciphertext?: boolean
  /** The scale a ciphertext must be at. */
  scale?: number
  details?: Record<string, unknown>
}

function sameParmsId(view: DataView, parmsId: BigUint64Array): boolean {
  for (let i = 0; i < 4; i++) if (view.getBigUint64(HEADER_BYTES + 8 * i, true) !== parmsId[i]) return false
  return true
}

/** Throws HE_MALFORMED or HE_PARAMS_MISMATCH unless `bytes` is a SEAL object of `shape`. */
export function checkSealObject(bytes: Uint8Array, shape: SealShape): void {
  const { what, details } = shape
  const malformed = (why: string) => heError('HE_MALFORMED', `${what} ${why}.`, details)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.byteLength < HEADER_BYTES + PARMS_ID_BYTES || view.getUint16(0, true) !== SEAL_MAGIC || bytes[2] !== HEADER_BYTES || bytes[3] !== 4) {
    throw malformed('is not a SEAL 4 object')
  }
  if (!sameParmsId(view, shape.parmsId)) throw heError('HE_PARAMS_MISMATCH', `${what} was made with other HE parameters (or for another level) than expected.`, details)
  if (bytes[5] !== 0) throw malformed('is compressed; send it uncompressed')
  if (view.getBigUint64(8, true) !== BigInt(bytes.byteLength)) throw malformed('declares another size than it has')
  if (!shape.lengths.includes(bytes.byteLength)) throw malformed(`is ${bytes.byteLength} bytes long; expected ${shape.lengths.join(' or ')}`)
  if (shape.ciphertext === true) {
    if (view.getBigUint64(SIZE_OFFSET, true) !== 2n) throw malformed('is not a two-part ciphertext')
    if (bytes[NTT_FLAG_OFFSET] !== 1) throw malformed('is not in NTT form, as CKKS ciphertexts are')
  }
  if (shape.scale !== undefined && view.getFloat64(SCALE_OFFSET, true) !== shape.scale) {
    throw heError('HE_PARAMS_MISMATCH', `${what} is at another scale than these parameters use.`, details)
  }
}

/** Runs SEAL's loadArray on checked bytes; SEAL's own refusal (bad coefficients) becomes HE_MALFORMED. */
export function sealLoad(load: () => void, what: string, details?: Record<string, unknown>): void {
  try {
    load()
  } catch (err) {
    throw heError('HE_MALFORMED', `${what} is not a valid SEAL object for these parameters (${err instanceof Error ? err.message : String(err)}).`, details)
  }
}
