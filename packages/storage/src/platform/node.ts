/**
 * The storage core's platform in Node: node:crypto (several times faster than a JS SHA-256, and
 * synchronous AES-GCM that hands back its parts without a copy) and the native erasure coder.
 */
import { createCipheriv, createDecipheriv, createHash, hash, hkdfSync, randomBytes } from 'node:crypto'
import { GCM_TAG_BYTES } from '../constants.js'
import { decodeSegment, encodeSegment } from '../erasure.js'
import type { Platform } from './types.js'

const EMPTY_SALT = new Uint8Array(0)

export const platform: Platform = {
  sha256: (bytes) => hash('sha256', bytes, 'buffer'),
  createSha256: () => {
    const h = createHash('sha256')
    return { update: (chunk) => void h.update(chunk), digest: () => h.digest() }
  },
  randomBytes: (size) => randomBytes(size),
  hkdfSha256: async (ikm, info, length) => new Uint8Array(hkdfSync('sha256', ikm, EMPTY_SALT, info, length)),
  async aesGcmSeal(key, nonce, plain) {
    const cipher = createCipheriv('aes-256-gcm', key, nonce)
    const body = cipher.update(plain)
    const tail = cipher.final()
    return tail.length > 0 ? [body, tail, cipher.getAuthTag()] : [body, cipher.getAuthTag()]
  },
  async aesGcmOpen(key, nonce, cipher) {
    const bodySize = cipher.byteLength - GCM_TAG_BYTES
    const decipher = createDecipheriv('aes-256-gcm', key, nonce)
    decipher.setAuthTag(cipher.subarray(bodySize))
    const body = decipher.update(cipher.subarray(0, bodySize))
    // Nothing of `body` may escape before final() has checked the tag.
    const tail = decipher.final()
    return tail.length > 0 ? Buffer.concat([body, tail]) : body
  },
  encodeShards: (cipher, k, total) => encodeSegment(cipher, k, total),
  decodeShards: (available, k, total, shardSize, cipherSize) => decodeSegment(available, k, total, shardSize, cipherSize),
}
