/**
 * Object keys and segment encryption. Every object has its own random 256-bit key; each segment
 * gets a key and nonce derived from it with HKDF-SHA256 (info `w3s/segment/<index>`), so no
 * (key, nonce) pair ever repeats and segments cannot be swapped or reordered undetected.
 * A segment's ciphertext is AES-256-GCM output followed by the 16-byte tag.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { W3aiError } from '@w3ai/protocol'
import { GCM_TAG_BYTES } from './constants.js'

const KEY_BYTES = 32
const NONCE_BYTES = 12
const EMPTY_SALT = Buffer.alloc(0)

export interface SegmentKey {
  key: Buffer
  nonce: Buffer
}

/** A fresh random 256-bit object key. */
export function generateObjectKey(): Buffer {
  return randomBytes(KEY_BYTES)
}

/** Derives the AES key and GCM nonce of segment `index` from the object key. */
export function deriveSegmentKey(objectKey: Uint8Array, index: number): SegmentKey {
  if (objectKey.byteLength !== KEY_BYTES) throw new Error('an object key is 32 bytes')
  if (!Number.isSafeInteger(index) || index < 0) throw new Error('a segment index is a non-negative integer')
  const okm = Buffer.from(hkdfSync('sha256', objectKey, EMPTY_SALT, `w3s/segment/${index}`, KEY_BYTES + NONCE_BYTES))
  return { key: okm.subarray(0, KEY_BYTES), nonce: okm.subarray(KEY_BYTES) }
}

/**
 * Encrypts a segment into its ciphertext parts (body chunks, then the tag) without joining them,
 * so the erasure coder can copy them straight into its own buffer.
 */
export function encryptSegmentParts(plain: Uint8Array, objectKey: Uint8Array, index: number): Buffer[] {
  const { key, nonce } = deriveSegmentKey(objectKey, index)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  const body = cipher.update(plain)
  const tail = cipher.final()
  return tail.length > 0 ? [body, tail, cipher.getAuthTag()] : [body, cipher.getAuthTag()]
}

/** Encrypts a segment: ciphertext || 16-byte tag. */
export function encryptSegment(plain: Uint8Array, objectKey: Uint8Array, index: number): Buffer {
  return Buffer.concat(encryptSegmentParts(plain, objectKey, index))
}

/** Decrypts and authenticates a segment; any mismatch → W3aiError('STORAGE_INTEGRITY'). */
export function decryptSegment(cipher: Uint8Array, objectKey: Uint8Array, index: number): Buffer {
  if (cipher.byteLength < GCM_TAG_BYTES) throw new W3aiError('STORAGE_INTEGRITY', `Segment ${index} is shorter than its authentication tag.`)
  const { key, nonce } = deriveSegmentKey(objectKey, index)
  const bodySize = cipher.byteLength - GCM_TAG_BYTES
  const decipher = createDecipheriv('aes-256-gcm', key, nonce)
  decipher.setAuthTag(cipher.subarray(bodySize))
  const body = decipher.update(cipher.subarray(0, bodySize))
  try {
    // Nothing of `body` may escape before final() has checked the tag.
    const tail = decipher.final()
    return tail.length > 0 ? Buffer.concat([body, tail]) : body
  } catch {
    throw new W3aiError('STORAGE_INTEGRITY', `Segment ${index} failed its integrity check (wrong key or corrupted data).`)
  }
}
