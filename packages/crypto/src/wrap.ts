/**
 * Key wrapping: a 256-bit object key sealed to an account's x25519 key, so the hub can store and
 * hand out keys it cannot read. Each wrap uses a fresh ephemeral key pair (ECIES-style): the
 * shared secret goes through HKDF-SHA256 (salt = ephemeral public key || recipient public key,
 * binding the wrap to both ends) into an AES-256-GCM key that seals the object key.
 */
import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto'
import { W3aiError, type WrappedKey } from '@w3ai/protocol'
import { fromBase64Url, isBase64Url, toBase64Url } from './encoding.js'
import type { Identity } from './identity.js'

export const WRAP_ALG = 'X25519-HKDF-SHA256-AES-256-GCM' as const
const WRAP_INFO = Buffer.from('w3ai/wrap/v1')
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex')
const KEY_BYTES = 32
const NONCE_BYTES = 12
const TAG_BYTES = 16

/** Turns a raw x25519 public key (base64url) into a KeyObject; throws on a malformed key. */
export function x25519PublicKeyObject(publicKey: string): KeyObject {
  if (!isBase64Url(publicKey, 32)) throw new Error('expected a raw x25519 public key, 32 bytes base64url')
  return createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, fromBase64Url(publicKey)]), format: 'der', type: 'spki' })
}

function rawX25519(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' })
  if (typeof jwk.x !== 'string') throw new Error('expected an OKP key')
  return fromBase64Url(jwk.x)
}

function wrapKeyMaterial(privateKey: KeyObject, publicKey: KeyObject, epk: Buffer, recipient: Buffer, info: Buffer): Buffer {
  // OpenSSL refuses low-order points (an all-zero shared secret) by throwing here.
  const shared = diffieHellman({ privateKey, publicKey })
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([epk, recipient]), info, KEY_BYTES))
}

/**
 * The sender's half of the ECIES exchange: a fresh ephemeral key pair, and the AES-256 key it
 * shares with the recipient under HKDF `info` (one label per use, so a wrap never opens as a seal).
 */
export function senderKek(recipientEncryptionKey: string, info: Buffer): { epk: Buffer; kek: Buffer } {
  const recipientKey = x25519PublicKeyObject(recipientEncryptionKey)
  const ephemeral = generateKeyPairSync('x25519')
  const epk = rawX25519(ephemeral.publicKey)
  return { epk, kek: wrapKeyMaterial(ephemeral.privateKey, recipientKey, epk, fromBase64Url(recipientEncryptionKey), info) }
}

/** The recipient's half: the same AES-256 key from the sender's ephemeral public key (base64url); throws on a malformed one. */
export function recipientKek(epk: string, identity: Pick<Identity, 'encryptionKey' | 'decryptionKey'>, info: Buffer): Buffer {
  return wrapKeyMaterial(identity.decryptionKey, x25519PublicKeyObject(epk), fromBase64Url(epk), fromBase64Url(identity.encryptionKey), info)
}

/** Seals a 32-byte object key to a recipient's x25519 public key (base64url, raw 32 bytes). */
export function wrapKey(objectKey: Uint8Array, recipientEncryptionKey: string): WrappedKey {
  if (objectKey.byteLength !== KEY_BYTES) throw new Error('an object key is 32 bytes')
  const { epk, kek } = senderKek(recipientEncryptionKey, WRAP_INFO)
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv('aes-256-gcm', kek, nonce)
  const ct = Buffer.concat([cipher.update(objectKey), cipher.final(), cipher.getAuthTag()])
  return { alg: WRAP_ALG, epk: toBase64Url(epk), nonce: toBase64Url(nonce), ct: toBase64Url(ct) }
}

/** Opens a wrapped key with the recipient's identity; wrong recipient or tampering → STORAGE_ACCESS_DENIED. */
export function unwrapKey(wrapped: WrappedKey, identity: Pick<Identity, 'encryptionKey' | 'decryptionKey'>): Buffer {
  try {
    if (wrapped.alg !== WRAP_ALG || !isBase64Url(wrapped.nonce, NONCE_BYTES) || !isBase64Url(wrapped.ct, KEY_BYTES + TAG_BYTES)) {
      throw new Error('malformed wrapped key')
    }
    const kek = recipientKek(wrapped.epk, identity, WRAP_INFO)
    const ct = fromBase64Url(wrapped.ct)
    const decipher = createDecipheriv('aes-256-gcm', kek, fromBase64Url(wrapped.nonce))
    decipher.setAuthTag(ct.subarray(KEY_BYTES))
    return Buffer.concat([decipher.update(ct.subarray(0, KEY_BYTES)), decipher.final()])
  } catch {
    // One answer for every failure: telling "not for you" from "tampered" helps nobody but an attacker.
    throw new W3aiError('STORAGE_ACCESS_DENIED')
  }
}

/** Re-wraps a key the identity can open to another recipient (how an owner shares an object). */
export function rewrapKey(wrapped: WrappedKey, identity: Pick<Identity, 'encryptionKey' | 'decryptionKey'>, recipientEncryptionKey: string): WrappedKey {
  const objectKey = unwrapKey(wrapped, identity)
  try {
    return wrapKey(objectKey, recipientEncryptionKey)
  } finally {
    objectKey.fill(0)
  }
}
