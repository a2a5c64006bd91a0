/**
 * The cryptography server and clients share in SecAgg+: x25519 key pairs, the pairwise agreements
 * (ECDH then HKDF-SHA256, bound to the round and both ids), the AES-256-GCM channel that carries
 * shares through the server, seed commitments, and adding vectors mod 2^32 (PRG masks: masking.ts).
 */
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto'
import { fromBase64Url, idFromPublicKey, signBytes, toBase64Url, verifyBytes, type Identity } from '@w3ai/crypto'
import { W3aiError } from '@w3ai/protocol'
import { DOMAIN, type SecAggPublicKeys } from './stages.js'

export const KEY_BYTES = 32
const NONCE_BYTES = 12
const TAG_BYTES = 16
/** A sealed share pair: nonce, the mask key share and the seed share (32 bytes each), the tag. */
export const SEALED_SHARE_BYTES = NONCE_BYTES + 2 * KEY_BYTES + TAG_BYTES
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')

export interface KeyPair {
  privateKey: KeyObject
  /** Raw 32-byte private key, kept to be Shamir-shared (mask keys only). */
  secret: Buffer
  /** Raw public key, base64url. */
  publicKey: string
}

/** A fresh x25519 key pair. */
export function generateKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('x25519')
  const jwk = privateKey.export({ format: 'jwk' })
  if (typeof jwk.d !== 'string' || typeof jwk.x !== 'string') throw new Error('expected an OKP key')
  return { privateKey, secret: fromBase64Url(jwk.d), publicKey: jwk.x }
}

/** The key pair of a raw 32-byte private key (a mask key rebuilt from shares). */
export function keyPairFromSecret(secret: Uint8Array): KeyPair {
  if (secret.byteLength !== KEY_BYTES) throw new RangeError('an x25519 private key is 32 bytes')
  const raw = Buffer.from(secret)
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' })
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' })
  if (typeof jwk.x !== 'string') throw new Error('expected an OKP key')
  return { privateKey, secret: raw, publicKey: jwk.x }
}

/** A peer's raw public key as a KeyObject (JWK import: several times faster than DER here). */
function publicKeyObject(publicKey: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: publicKey }, format: 'jwk' })
}

// A throwaway key to test peers' public keys against: OpenSSL refuses low-order points in ECDH.
let probe: KeyObject | undefined

/** True when `publicKey` is 32 base64url bytes and a usable x25519 point. */
export function isUsablePublicKey(publicKey: unknown): boolean {
  if (typeof publicKey !== 'string') return false
  try {
    if (!/^[A-Za-z0-9_-]{43}$/.test(publicKey)) return false
    probe ??= generateKeyPair().privateKey
    diffieHellman({ privateKey: probe, publicKey: publicKeyObject(publicKey) })
    return true
  } catch {
    return false
  }
}

function ordered(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a]
}

/** ECDH between `privateKey` and a peer's raw public key, through HKDF into 32 bytes for `use`. */
export function agree(privateKey: KeyObject, peerPublicKey: string, roundId: string, use: string, a: string, b: string): Buffer {
  const shared = diffieHellman({ privateKey, publicKey: publicKeyObject(peerPublicKey) })
  const [lo, hi] = ordered(a, b)
  const info = Buffer.from(`${use}|${lo}|${hi}`, 'utf8')
  return Buffer.from(hkdfSync('sha256', shared, Buffer.from(roundId, 'utf8'), info, KEY_BYTES))
}

/** The pairwise mask seed between client `self` (holding `privateKey`) and `peer`. */
export function pairwiseSeed(privateKey: KeyObject, peerMaskKey: string, roundId: string, self: string, peer: string): Buffer {
  return agree(privateKey, peerMaskKey, roundId, DOMAIN.pairwise, self, peer)
}

/** The channel key between two clients, for the shares one sends the other. */
export function channelKey(privateKey: KeyObject, peerChannelKey: string, roundId: string, self: string, peer: string): Buffer {
  return agree(privateKey, peerChannelKey, roundId, DOMAIN.channel, self, peer)
}

function shareAad(roundId: string, from: string, to: string): Buffer {
  return Buffer.from(`${DOMAIN.share}|${roundId}|${from}|${to}`, 'utf8')
}

/** Seals `from`'s shares for `to` (mask key share, then seed share). */
export function sealShares(key: Buffer, nonce: Uint8Array, roundId: string, from: string, to: string, keyShare: Uint8Array, seedShare: Uint8Array): string {
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(shareAad(roundId, from, to))
  const body = Buffer.concat([cipher.update(keyShare), cipher.update(seedShare), cipher.final()])
  return toBase64Url(Buffer.concat([nonce, body, cipher.getAuthTag()]))
}

/** Opens shares sealed by `from` for `to`; a wrong key, route or any tampering → FL_SECAGG_BAD_SHARE. */
export function openShares(key: Buffer, sealed: string, roundId: string, from: string, to: string): { keyShare: Buffer; seedShare: Buffer } {
  const bytes = fromBase64Url(sealed)
  try {
    if (bytes.length !== SEALED_SHARE_BYTES) throw new Error('length')
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES))
    decipher.setAAD(shareAad(roundId, from, to))
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
    const plain = Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()])
    return { keyShare: plain.subarray(0, KEY_BYTES), seedShare: plain.subarray(KEY_BYTES) }
  } catch {
    throw new W3aiError('FL_SECAGG_BAD_SHARE', `the shares ${from} sent to ${to} do not open`, { from, to })
  }
}

/** The commitment a client publishes to its self-mask seed. */
export function seedCommitment(roundId: string, clientId: string, seed: Uint8Array): string {
  return createHash('sha256').update(`${DOMAIN.seedCommitment}|${roundId}|${clientId}|`).update(seed).digest('base64url')
}

/** How client `self` signs its pairwise mask with `peer`: the smaller id adds, the larger subtracts. */
export function pairwiseSign(self: string, peer: string): 1 | -1 {
  return self < peer ? 1 : -1
}

/** Adds `other` into `sum`, mod 2^32. */
export function addInto(sum: Uint32Array, other: Uint32Array): void {
  const s = new Int32Array(sum.buffer, sum.byteOffset, sum.length)
  const o = new Int32Array(other.buffer, other.byteOffset, other.length)
  const n = s.length
  let i = 0
  // Four words a turn: a quarter of the loop overhead, which is most of this loop's cost in V8.
  for (; i + 4 <= n; i += 4) {
    s[i] = ((s[i] as number) + (o[i] as number)) | 0
    s[i + 1] = ((s[i + 1] as number) + (o[i + 1] as number)) | 0
    s[i + 2] = ((s[i + 2] as number) + (o[i + 2] as number)) | 0
    s[i + 3] = ((s[i + 3] as number) + (o[i + 3] as number)) | 0
  }
  for (; i < n; i++) s[i] = ((s[i] as number) + (o[i] as number)) | 0
}

function keysStatement(roundId: string, clientId: string, keys: SecAggPublicKeys): Buffer {
  return Buffer.from(`${DOMAIN.keys}|${roundId}|${clientId}|${keys.channelKey}|${keys.maskKey}`, 'utf8')
}

/** Signs a client's round keys with its identity. */
export function signKeys(identity: Pick<Identity, 'publicKey' | 'signingKey'>, roundId: string, clientId: string, keys: SecAggPublicKeys): SecAggPublicKeys {
  return { channelKey: keys.channelKey, maskKey: keys.maskKey, signingKey: identity.publicKey, signature: signBytes(identity, keysStatement(roundId, clientId, keys)) }
}

/**
 * True when client id `clientId` is the identity `identityId`'s to play: that id itself, or that id,
 * a slash and a suffix, one of several clients on one identity (w3ai's FL client ids are
 * `<nodeId>/<dataset>`). Identity ids hold no slash, so no identity can claim another's clients.
 */
export function clientIdBelongsTo(clientId: string, identityId: string): boolean {
  return clientId === identityId || (clientId.startsWith(`${identityId}/`) && clientId.length > identityId.length + 1)
}

/** Throws FL_SECAGG_BAD_SIGNATURE unless `clientId` belongs to the signing key's identity and the signature over the keys verifies. */
export function checkSignedKeys(roundId: string, clientId: string, keys: SecAggPublicKeys): void {
  const { signingKey, signature } = keys
  let ok = false
  try {
    ok =
      typeof signingKey === 'string' &&
      typeof signature === 'string' &&
      (clientIdBelongsTo(clientId, idFromPublicKey('node', signingKey)) || clientIdBelongsTo(clientId, idFromPublicKey('account', signingKey))) &&
      verifyBytes(signingKey, keysStatement(roundId, clientId, keys), signature)
  } catch {
    ok = false
  }
  if (!ok) throw new W3aiError('FL_SECAGG_BAD_SIGNATURE', `the round keys of ${clientId} are not signed by the identity it belongs to`, { clientId })
}
