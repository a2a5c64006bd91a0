/**
 * The storage core's platform in browsers: a synchronous JS SHA-256 (@noble/hashes; one WebCrypto
 * await per 4 KiB Merkle leaf would be far too slow), WebCrypto for HKDF and AES-GCM, and the
 * portable Reed–Solomon coder, which gives the same shards as the native one.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8, type Bytes } from '../bytes.js'
import { rsDecodeSegment, rsEncodeSegment } from '../rs-portable.js'
import { checkErasureParams, checkShards } from '../erasure-params.js'
import type { Platform } from './types.js'

const subtle = (): SubtleCrypto => globalThis.crypto.subtle
// WebCrypto takes ArrayBuffer-backed views; ours always are (none is over a SharedArrayBuffer).
const view = (bytes: Uint8Array): Bytes => bytes as Bytes

async function aesKey(key: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  return subtle().importKey('raw', view(key), { name: 'AES-GCM' }, false, [usage])
}

export const platform: Platform = {
  sha256: (bytes) => sha256(bytes),
  sha256Into: (bytes, out, offset) => out.set(sha256(bytes), offset),
  createSha256: () => {
    const h = sha256.create()
    return { update: (chunk) => void h.update(chunk), digest: () => h.digest() }
  },
  randomBytes: (size) => {
    const out = new Uint8Array(size)
    // getRandomValues fills at most 64 KiB per call.
    for (let at = 0; at < size; at += 65536) globalThis.crypto.getRandomValues(out.subarray(at, at + 65536))
    return out
  },
  async hkdfSha256(ikm, info, length) {
    const key = await subtle().importKey('raw', view(ikm), 'HKDF', false, ['deriveBits'])
    return new Uint8Array(await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8(info) }, key, length * 8))
  },
  async aesGcmSeal(key, nonce, plain) {
    return [new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: view(nonce) }, await aesKey(key, 'encrypt'), view(plain)))]
  },
  async aesGcmOpen(key, nonce, cipher) {
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: view(nonce) }, await aesKey(key, 'decrypt'), view(cipher)))
  },
  async encodeShards(cipher, k, total) {
    checkErasureParams(k, total)
    return rsEncodeSegment(cipher.length === 1 ? (cipher[0] as Uint8Array) : concatBytes(cipher), k, total)
  },
  async decodeShards(available, k, total, shardSize, cipherSize) {
    checkShards(available, k, total, shardSize)
    return rsDecodeSegment(available, k, shardSize, cipherSize)
  },
}
