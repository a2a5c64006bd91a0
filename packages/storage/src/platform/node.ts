/**
 * The storage core's platform in Node: node:crypto (several times faster than a JS SHA-256, and
 * synchronous AES-GCM that hands back its parts without a copy) and the native erasure coder.
 */
import { createCipheriv, createDecipheriv, createHash, hash, hkdfSync, randomBytes } from 'node:crypto'
import { GCM_TAG_BYTES } from '../constants.js'
import { decodeSegment, encodeSegment } from '../erasure.js'
import type { Platform } from './types.js'

const EMPTY_SALT = new Uint8Array(0)
/**
 * Buffer's latin1 writer, applied to any Uint8Array: a digest asked for as a latin1 ('binary') string (one
 * byte per character) is copied into place without a 32-byte ArrayBuffer per hash, which would
 * cost more than hashing a 4 KiB Merkle leaf once the collector has to sweep them.
 */
const latin1Write = Buffer.prototype.latin1Write as (this: Uint8Array, text: string, offset: number, length: number) => number
/**
 * AES-GCM runs over 64 KiB slices: each output then comes from the allocator's reused memory
 * rather than one fresh segment-sized mapping (page faults cost more than the cipher), and 64 KiB
 * keeps OpenSSL at full speed.
 */
const CIPHER_SLICE = 64 * 1024

export const platform: Platform = {
  sha256: (bytes) => hash('sha256', bytes, 'buffer'),
  sha256Into: (bytes, out, offset) => void latin1Write.call(out, hash('sha256', bytes, 'binary'), offset, 32),
  createSha256: () => {
    const h = createHash('sha256')
    return { update: (chunk) => void h.update(chunk), digest: () => h.digest() }
  },
  randomBytes: (size) => randomBytes(size),
  hkdfSha256: async (ikm, info, length) => new Uint8Array(hkdfSync('sha256', ikm, EMPTY_SALT, info, length)),
  async aesGcmSeal(key, nonce, plain) {
    const cipher = createCipheriv('aes-256-gcm', key, nonce)
    const parts: Uint8Array[] = []
    for (let at = 0; at < plain.byteLength; at += CIPHER_SLICE) parts.push(cipher.update(plain.subarray(at, at + CIPHER_SLICE)))
    const tail = cipher.final()
    if (tail.length > 0) parts.push(tail)
    parts.push(cipher.getAuthTag())
    return parts
  },
  async aesGcmOpen(key, nonce, cipher, into) {
    const bodySize = cipher.byteLength - GCM_TAG_BYTES
    const decipher = createDecipheriv('aes-256-gcm', key, nonce)
    decipher.setAuthTag(cipher.subarray(bodySize))
    const out = into !== undefined && into.byteLength >= bodySize ? into : Buffer.allocUnsafe(bodySize)
    let filled = 0
    for (let at = 0; at < bodySize; at += CIPHER_SLICE) {
      const part = decipher.update(cipher.subarray(at, Math.min(bodySize, at + CIPHER_SLICE)))
      out.set(part, filled)
      filled += part.byteLength
    }
    // Nothing of `out` may escape before final() has checked the tag.
    const tail = decipher.final()
    out.set(tail, filled)
    return out.subarray(0, filled + tail.byteLength)
  },
  encodeShards: (cipher, k, total, pool) => encodeSegment(cipher, k, total, pool),
  decodeShards: (available, k, total, shardSize, cipherSize, pool) => decodeSegment(available, k, total, shardSize, cipherSize, pool),
}
