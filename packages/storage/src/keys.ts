/**
 * Object keys and segment encryption. Every object has its own random 256-bit key; each segment
 * gets a key and nonce derived from it with HKDF-SHA256 (info `w3s/segment/<index>`), so no
 * (key, nonce) pair ever repeats and segments cannot be swapped or reordered undetected.
 * A segment's ciphertext is AES-256-GCM output followed by the 16-byte tag. Asynchronous because
 * browsers only have WebCrypto; in Node the work is node:crypto's, synchronous underneath.
 */
import { W3aiError } from '@w3ai/protocol'
import { platform } from '#platform'
import { concatBytes } from './bytes.js'
import { GCM_TAG_BYTES } from './constants.js'

const KEY_BYTES = 32
const NONCE_BYTES = 12
/** HKDF info of segment keys; the segment index follows. */
export const SEGMENT_INFO_PREFIX = 'w3s/segment/'

export interface SegmentKey {
  key: Uint8Array
  nonce: Uint8Array
}

/** A fresh random 256-bit object key. */
export function generateObjectKey(): Uint8Array {
  return platform.randomBytes(KEY_BYTES)
}

/** Derives the AES key and GCM nonce of segment `index` from the object key. */
export async function deriveSegmentKey(objectKey: Uint8Array, index: number): Promise<SegmentKey> {
  if (objectKey.byteLength !== KEY_BYTES) throw new Error('an object key is 32 bytes')
  if (!Number.isSafeInteger(index) || index < 0) throw new Error('a segment index is a non-negative integer')
  const okm = await platform.hkdfSha256(objectKey, `${SEGMENT_INFO_PREFIX}${index}`, KEY_BYTES + NONCE_BYTES)
  return { key: okm.subarray(0, KEY_BYTES), nonce: okm.subarray(KEY_BYTES) }
}

/**
 * Encrypts a segment into its ciphertext parts (body chunks, then the tag) without joining them,
 * so the erasure coder can copy them straight into its own buffer.
 */
export async function encryptSegmentParts(plain: Uint8Array, objectKey: Uint8Array, index: number): Promise<Uint8Array[]> {
  const { key, nonce } = await deriveSegmentKey(objectKey, index)
  try {
    return await platform.aesGcmSeal(key, nonce, plain)
  } finally {
    key.fill(0)
  }
}

/** Encrypts a segment: ciphertext || 16-byte tag. */
export async function encryptSegment(plain: Uint8Array, objectKey: Uint8Array, index: number): Promise<Uint8Array> {
  const parts = await encryptSegmentParts(plain, objectKey, index)
  return parts.length === 1 ? (parts[0] as Uint8Array) : concatBytes(parts)
}

/**
 * Decrypts and authenticates a segment; any mismatch → W3aiError('STORAGE_INTEGRITY'). The
 * plaintext may be written into `into` (a reused buffer of at least its size) and be a view of it.
 */
export async function decryptSegment(cipher: Uint8Array, objectKey: Uint8Array, index: number, into?: Uint8Array): Promise<Uint8Array> {
  if (cipher.byteLength < GCM_TAG_BYTES) throw new W3aiError('STORAGE_INTEGRITY', `Segment ${index} is shorter than its authentication tag.`)
  const { key, nonce } = await deriveSegmentKey(objectKey, index)
  try {
    return await platform.aesGcmOpen(key, nonce, cipher, into)
  } catch {
    throw new W3aiError('STORAGE_INTEGRITY', `Segment ${index} failed its integrity check (wrong key or corrupted data).`)
  } finally {
    key.fill(0)
  }
}
