/**
 * The binary form of an encrypted update (or sum): the plaintext fields of an EncryptedUpdate in a
 * small header, then the encrypted vector in @w3ai/crypto/ckks's binary form. A 100k-parameter
 * update is 3.2 MB of SEAL ciphertexts either way; as JSON it is 4.3 MB of base64url that costs
 * more to stringify, parse and decode than the aggregator spends adding it.
 *
 * Layout (little-endian): 0 magic "W3HE", 4 version (1), 5 prime count k (1-16), 6 scaleBits,
 * 7 zero, 8 polyModulusDegree (u32), 12 clients (u32), 16 tensor count t (u32), 20 k prime sizes
 * (u8), zeros to a multiple of 4, t tensor lengths (u32), zeros to a multiple of 8, then the vector.
 */
import { binaryVectorLength, checkParams, type CkksParams } from '@w3ai/crypto/ckks'
import { W3aiError } from '@w3ai/protocol'
import { EXTRA_SLOTS, packedLength } from './messages.js'

const MAGIC = 0x45483357 // "W3HE" read as a little-endian u32
const VERSION = 1
const FIXED_BYTES = 20

/** An update read from its binary form: the plaintext fields checked, the vector still to check. */
export interface UpdateView {
  params: CkksParams
  lengths: number[]
  clients: number
  /** The encrypted vector's bytes (a view into the received update). */
  vector: Uint8Array
}

const align = (n: number, to: number): number => Math.ceil(n / to) * to

/** Bytes before the vector for these fields. */
export function updateHeaderBytes(params: CkksParams, lengths: readonly number[]): number {
  return align(align(FIXED_BYTES + params.coeffModulusBits.length, 4) + 4 * lengths.length, 8)
}

/** Writes the header into the first `updateHeaderBytes` bytes of `target`. */
export function writeUpdateHeader(target: Uint8Array, params: CkksParams, lengths: readonly number[], clients: number): void {
  const bits = params.coeffModulusBits
  const view = new DataView(target.buffer, target.byteOffset, updateHeaderBytes(params, lengths))
  view.setUint32(0, MAGIC, true)
  view.setUint8(4, VERSION)
  view.setUint8(5, bits.length)
  view.setUint8(6, params.scaleBits)
  view.setUint32(8, params.polyModulusDegree, true)
  view.setUint32(12, clients, true)
  view.setUint32(16, lengths.length, true)
  bits.forEach((b, i) => view.setUint8(FIXED_BYTES + i, b))
  const at = align(FIXED_BYTES + bits.length, 4)
  lengths.forEach((n, i) => view.setUint32(at + 4 * i, n, true))
}

function malformed(message: string, details?: unknown): W3aiError {
  return new W3aiError('FL_CKKS_MALFORMED', message, details)
}

function zeros(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false
  return true
}

/**
 * Checks a binary update's plaintext fields as received from anyone, as `checkUpdate` does a JSON
 * one's (FL_CKKS_MALFORMED, FL_CKKS_BAD_PARAMS), before anything is allocated for it: its
 * ciphertexts are checked when added.
 */
export function readUpdate(bytes: unknown, details?: unknown): UpdateView {
  if (!(bytes instanceof Uint8Array)) throw malformed('A binary encrypted update must be a Uint8Array.', details)
  if (bytes.byteLength < FIXED_BYTES) throw malformed(`A binary encrypted update is at least ${FIXED_BYTES} bytes (got ${bytes.byteLength}).`, details)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0, true) !== MAGIC) throw malformed('This is not a binary encrypted update (bad magic).', details)
  if (view.getUint8(4) !== VERSION) throw malformed(`Binary encrypted update version ${view.getUint8(4)} is not supported (this reads ${VERSION}).`, details)
  const primes = view.getUint8(5)
  const tensors = view.getUint32(16, true)
  if (view.getUint8(7) !== 0 || primes < 1 || primes > 16 || tensors < 1) throw malformed('A binary encrypted update has a bad header (prime or tensor count).', details)
  const lengthsAt = align(FIXED_BYTES + primes, 4)
  const vectorAt = align(lengthsAt + 4 * tensors, 8)
  if (bytes.byteLength < vectorAt) throw malformed(`A binary encrypted update of ${tensors} tensors has a ${vectorAt}-byte header (got ${bytes.byteLength} bytes).`, details)
  if (!zeros(bytes, FIXED_BYTES + primes, lengthsAt) || !zeros(bytes, lengthsAt + 4 * tensors, vectorAt)) throw malformed('A binary encrypted update has non-zero padding.', details)
  const params = checkParams({
    polyModulusDegree: view.getUint32(8, true),
    coeffModulusBits: Array.from(bytes.subarray(FIXED_BYTES, FIXED_BYTES + primes)),
    scaleBits: view.getUint8(6),
  })
  const clients = view.getUint32(12, true)
  if (clients < 1) throw malformed('An encrypted update needs a positive client count.', details)
  const lengths = Array.from({ length: tensors }, (_, i) => view.getUint32(lengthsAt + 4 * i, true))
  const vector = bytes.subarray(vectorAt)
  if (binaryVectorLength(vector, details) !== packedLength(lengths)) {
    throw malformed(`The encrypted vector must hold the tensors and ${EXTRA_SLOTS} counts (${packedLength(lengths)} values).`, details)
  }
  return { params, lengths, clients, vector }
}
