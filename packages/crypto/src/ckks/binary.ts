/**
 * The binary form of an encrypted vector: a 40-byte header, then SEAL's own serialization of each
 * ciphertext back to back. The JSON form carries the same ciphertexts as base64url strings, which
 * costs a third more bytes and, at 100k values, more time to stringify, parse and decode than the
 * aggregator spends adding. Everything is checked before SEAL parses a byte, as for JSON.
 *
 * Layout (little-endian): 0 magic "W3CV", 4 version (1), 5-7 zero, 8 key id (the 16 bytes whose
 * base64url is `keyId`), 24 length (values), 28 ciphertext count, 32 bytes per ciphertext,
 * 36 zero, 40 the ciphertexts.
 */
import { toBase64Url } from '../encoding.js'
import { ciphertextCount, type SealKit } from './kit.js'
import { checkSealObject, malformed } from './wire.js'

export const VECTOR_HEADER_BYTES = 40
const MAGIC = 0x56433357 // "W3CV" read as a little-endian u32
const VERSION = 1
const KEY_ID_BYTES = 16

/** A binary vector whose header passed the checks; ciphertexts are views into the received bytes. */
export interface VectorView {
  keyId: string
  length: number
  count: number
  /** Ciphertext `c`'s SEAL bytes, checked like a JSON one's before SEAL reads them. */
  ciphertext(c: number, what: string, details?: unknown): Uint8Array
}

/**
 * The value count a binary vector's header declares, read without a context (whoever wraps the
 * vector checks it against its own fields before any SEAL work); FL_CKKS_MALFORMED when `bytes`
 * does not start like a binary vector. `readVector` checks the rest.
 */
export function binaryVectorLength(bytes: Uint8Array, details?: unknown): number {
  if (bytes.byteLength < VECTOR_HEADER_BYTES) throw malformed(`A binary encrypted vector needs a ${VECTOR_HEADER_BYTES}-byte header (got ${bytes.byteLength} bytes).`, details)
  const view = new DataView(bytes.buffer, bytes.byteOffset, VECTOR_HEADER_BYTES)
  if (view.getUint32(0, true) !== MAGIC) throw malformed('This is not a binary encrypted vector (bad magic).', details)
  return view.getUint32(24, true)
}

/** Bytes of a binary vector of `length` values. */
export function vectorBytes(kit: SealKit, length: number): number {
  return VECTOR_HEADER_BYTES + ciphertextCount(kit, length) * kit.ciphertextBytes
}

/** Writes a vector header at the start of `target` (which holds the whole vector). */
export function writeVectorHeader(kit: SealKit, target: Uint8Array, keyId: string, length: number): void {
  const id = Buffer.from(keyId, 'base64url')
  if (id.byteLength !== KEY_ID_BYTES || toBase64Url(id) !== keyId) throw malformed('A key id must be the base64url of 16 bytes.')
  const view = new DataView(target.buffer, target.byteOffset, VECTOR_HEADER_BYTES)
  view.setUint32(0, MAGIC, true)
  view.setUint8(4, VERSION)
  target.set(id, 8)
  view.setUint32(24, length, true)
  view.setUint32(28, ciphertextCount(kit, length), true)
  view.setUint32(32, kit.ciphertextBytes, true)
}

/**
 * Checks a binary vector's header and size as received from anyone (FL_CKKS_MALFORMED, or
 * FL_CKKS_PARAMS_MISMATCH for ciphertexts of another parameter set) and gives views of its
 * ciphertexts.
 */
export function readVector(kit: SealKit, bytes: unknown, details?: unknown): VectorView {
  if (!(bytes instanceof Uint8Array)) throw malformed('A binary encrypted vector must be a Uint8Array.', details)
  binaryVectorLength(bytes, details)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint8(4) !== VERSION) throw malformed(`Binary encrypted vector version ${view.getUint8(4)} is not supported (this reads ${VERSION}).`, details)
  if (view.getUint8(5) !== 0 || view.getUint16(6, true) !== 0 || view.getUint32(36, true) !== 0) throw malformed('A binary encrypted vector has non-zero reserved bytes.', details)
  const length = view.getUint32(24, true)
  const count = view.getUint32(28, true)
  const size = view.getUint32(32, true)
  if (length < 1 || count !== ciphertextCount(kit, length)) {
    throw malformed(`An encrypted vector of length ${length} holds ${ciphertextCount(kit, length)} ciphertexts of ${kit.valuesPerCiphertext} values (the header says ${count}).`, details)
  }
  const at = (c: number): number => VECTOR_HEADER_BYTES + c * size
  if (size !== kit.ciphertextBytes) {
    // Another ciphertext size: the first one's SEAL header tells another parameter set from a broken vector.
    if (bytes.byteLength >= at(1) && size > 0) checkSealObject(bytes.subarray(at(0), at(1)), { what: 'Ciphertext 0', bytes: kit.ciphertextBytes, parmsId: kit.dataParmsId, details })
    throw malformed(`The ciphertexts of a binary encrypted vector must be ${kit.ciphertextBytes} bytes each (the header says ${size}).`, details)
  }
  if (bytes.byteLength !== at(count)) throw malformed(`A binary encrypted vector of ${count} ciphertexts is ${at(count)} bytes (got ${bytes.byteLength}).`, details)
  return {
    keyId: toBase64Url(bytes.subarray(8, 8 + KEY_ID_BYTES)),
    length,
    count,
    ciphertext(c, what, more) {
      const text = bytes.subarray(at(c), at(c + 1))
      checkSealObject(text, { what, bytes: kit.ciphertextBytes, parmsId: kit.dataParmsId, scale: kit.scale, details: more })
      return text
    },
  }
}
