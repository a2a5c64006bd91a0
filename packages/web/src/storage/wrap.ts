/**
 * Object keys sealed to an account's x25519 key, as wrap.ts in @w3ai/crypto does it: ephemeral
 * ECDH, HKDF-SHA256 with salt = ephemeral public key || recipient public key and info
 * `w3ai/wrap/v1`, then AES-256-GCM over the 32-byte key. The hub stores only the result.
 */
import { concat, fromBase64Url, randomBytes, toBase64Url, utf8, type Bytes } from './bytes.js'
import type { BrowserIdentity } from './identity.js'
import { WRAP_ALG, WRAP_INFO } from './wire.js'

export interface WrappedKey {
  alg: typeof WRAP_ALG
  epk: string
  nonce: string
  ct: string
}

const KEY_BYTES = 32
const NONCE_BYTES = 12

async function keyEncryptionKey(privateKey: CryptoKey, peer: Bytes, epk: Bytes, recipient: Bytes, usage: KeyUsage): Promise<CryptoKey> {
  const peerKey = await crypto.subtle.importKey('raw', peer, { name: 'X25519' }, false, [])
  // WebCrypto refuses an all-zero shared secret (a low-order point), as OpenSSL does for Node.
  const shared = await crypto.subtle.deriveBits({ name: 'X25519', public: peerKey }, privateKey, 256)
  const ikm = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: concat([epk, recipient]), info: utf8(WRAP_INFO) }, ikm, { name: 'AES-GCM', length: 256 }, false, [usage])
}

/** Seals a 32-byte object key to a recipient's x25519 public key (raw, base64url). */
export async function wrapKey(objectKey: Uint8Array<ArrayBuffer>, recipientEncryptionKey: string): Promise<WrappedKey> {
  if (objectKey.byteLength !== KEY_BYTES) throw new Error('an object key is 32 bytes')
  const recipient = fromBase64Url(recipientEncryptionKey)
  if (recipient.byteLength !== 32) throw new Error('expected a raw x25519 public key, 32 bytes base64url')
  const ephemeral = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair
  const epk = new Uint8Array(await crypto.subtle.exportKey('raw', ephemeral.publicKey))
  const kek = await keyEncryptionKey(ephemeral.privateKey, recipient, epk, recipient, 'encrypt')
  const nonce = randomBytes(NONCE_BYTES)
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce }, kek, objectKey))
  return { alg: WRAP_ALG, epk: toBase64Url(epk), nonce: toBase64Url(nonce), ct: toBase64Url(ct) }
}

/** Opens a key wrapped to this identity; any failure (not ours, tampered) is one error. */
export async function unwrapKey(wrapped: WrappedKey, identity: Pick<BrowserIdentity, 'encryptionKey' | 'decryptionKey'>): Promise<Bytes> {
  try {
    if (wrapped.alg !== WRAP_ALG) throw new Error('unknown wrap algorithm')
    const epk = fromBase64Url(wrapped.epk)
    const nonce = fromBase64Url(wrapped.nonce)
    const ct = fromBase64Url(wrapped.ct)
    if (epk.byteLength !== 32 || nonce.byteLength !== NONCE_BYTES || ct.byteLength !== KEY_BYTES + 16) throw new Error('malformed wrapped key')
    const kek = await keyEncryptionKey(identity.decryptionKey, epk, epk, fromBase64Url(identity.encryptionKey), 'decrypt')
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce }, kek, ct))
  } catch {
    throw new Error('This object key is not wrapped to your identity (or was tampered with).')
  }
}
