/**
 * Segment encryption, as keys.ts in @w3ai/storage does it: each segment's AES-256 key and 96-bit
 * GCM nonce come from HKDF-SHA256(object key, empty salt, info `w3s/segment/<index>`), so no
 * (key, nonce) pair repeats and segments cannot be swapped. Ciphertext is body || 16-byte tag.
 */
import { utf8, type Bytes } from './bytes.js'
import { SEGMENT_INFO_PREFIX } from './wire.js'

const GCM_TAG_BYTES = 16

async function segmentKey(objectKey: Bytes, index: number, usage: KeyUsage): Promise<{ key: CryptoKey; nonce: Bytes }> {
  if (objectKey.byteLength !== 32) throw new Error('an object key is 32 bytes')
  if (!Number.isSafeInteger(index) || index < 0) throw new Error('a segment index is a non-negative integer')
  const ikm = await crypto.subtle.importKey('raw', objectKey, 'HKDF', false, ['deriveBits'])
  const okm = new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8(`${SEGMENT_INFO_PREFIX}${index}`) }, ikm, (32 + 12) * 8))
  const key = await crypto.subtle.importKey('raw', okm.subarray(0, 32), { name: 'AES-GCM' }, false, [usage])
  const nonce = okm.slice(32)
  okm.fill(0)
  return { key, nonce }
}

/** Encrypts segment `index`: ciphertext || tag. */
export async function encryptSegment(plain: Bytes, objectKey: Bytes, index: number): Promise<Bytes> {
  const { key, nonce } = await segmentKey(objectKey, index, 'encrypt')
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce }, key, plain))
}

/** Decrypts and authenticates segment `index`; a wrong key or any altered byte throws. */
export async function decryptSegment(cipher: Bytes, objectKey: Bytes, index: number): Promise<Bytes> {
  if (cipher.byteLength < GCM_TAG_BYTES) throw new Error(`Segment ${index} is shorter than its authentication tag.`)
  const { key, nonce } = await segmentKey(objectKey, index, 'decrypt')
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce }, key, cipher))
  } catch {
    throw new Error(`Segment ${index} failed its integrity check (wrong key or corrupted data).`)
  }
}
