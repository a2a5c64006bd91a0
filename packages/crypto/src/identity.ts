/**
 * Identities: an ed25519 key to sign with and an x25519 key to receive wrapped keys, for users
 * and nodes alike. Ids are derived from the signing key, so they cannot be claimed by anyone else.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import { Lru } from '@w3ai/util'
import { fromBase64Url, toBase64Url } from './encoding.js'

export type IdentityKind = 'account' | 'node'

export interface Identity {
  kind: IdentityKind
  /** `a_…` for accounts, `n_…` for nodes. */
  id: string
  /** ed25519 public key, raw 32 bytes as base64url. */
  publicKey: string
  /** x25519 public key, raw 32 bytes as base64url. */
  encryptionKey: string
  signingKey: KeyObject
  decryptionKey: KeyObject
  createdAt: string
}

/** The on-disk form of an identity (mode 0600). */
export interface IdentityFile {
  version: 1
  kind: IdentityKind
  id: string
  publicKey: string
  encryptionKey: string
  signingKeyPkcs8: string
  decryptionKeyPkcs8: string
  createdAt: string
}

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

export function idFromPublicKey(kind: IdentityKind, publicKey: string): string {
  const digest = createHash('sha256').update(fromBase64Url(publicKey)).digest('hex')
  return (kind === 'node' ? 'n_' : 'a_') + digest.slice(0, 20)
}

function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' })
  if (typeof jwk.x !== 'string') throw new Error('expected an OKP key')
  return jwk.x
}

export function generateIdentity(kind: IdentityKind, now: Date = new Date()): Identity {
  const sig = generateKeyPairSync('ed25519')
  const enc = generateKeyPairSync('x25519')
  const publicKey = rawPublicKey(sig.publicKey)
  return {
    kind,
    id: idFromPublicKey(kind, publicKey),
    publicKey,
    encryptionKey: rawPublicKey(enc.publicKey),
    signingKey: sig.privateKey,
    decryptionKey: enc.privateKey,
    createdAt: now.toISOString(),
  }
}

export function identityToFile(identity: Identity): IdentityFile {
  const der = (k: KeyObject): string => toBase64Url(k.export({ format: 'der', type: 'pkcs8' }))
  return {
    version: 1,
    kind: identity.kind,
    id: identity.id,
    publicKey: identity.publicKey,
    encryptionKey: identity.encryptionKey,
    signingKeyPkcs8: der(identity.signingKey),
    decryptionKeyPkcs8: der(identity.decryptionKey),
    createdAt: identity.createdAt,
  }
}

/** Parses and checks an identity file: the keys must match the recorded public keys and id. */
export function identityFromFile(file: IdentityFile): Identity {
  if (file.version !== 1 || (file.kind !== 'account' && file.kind !== 'node')) throw new Error('unsupported identity file')
  const signingKey = createPrivateKey({ key: fromBase64Url(file.signingKeyPkcs8), format: 'der', type: 'pkcs8' })
  const decryptionKey = createPrivateKey({ key: fromBase64Url(file.decryptionKeyPkcs8), format: 'der', type: 'pkcs8' })
  const publicKey = rawPublicKey(createPublicKey(signingKey))
  const encryptionKey = rawPublicKey(createPublicKey(decryptionKey))
  if (publicKey !== file.publicKey || encryptionKey !== file.encryptionKey || idFromPublicKey(file.kind, publicKey) !== file.id) {
    throw new Error('identity file keys do not match its public keys')
  }
  return { kind: file.kind, id: file.id, publicKey, encryptionKey, signingKey, decryptionKey, createdAt: file.createdAt }
}

// Importing a key costs about as much as verifying with it; keys that sign again (nodes, busy
// accounts) are kept, least recently used first out.
const KEY_CACHE_SIZE = 20_000
const keyCache = new Lru<string, KeyObject>({ maxEntries: KEY_CACHE_SIZE })

export function publicKeyObject(publicKey: string): KeyObject {
  const cached = keyCache.get(publicKey)
  if (cached !== undefined) return cached
  const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, fromBase64Url(publicKey)]), format: 'der', type: 'spki' })
  keyCache.set(publicKey, key)
  return key
}

export function signBytes(identity: Pick<Identity, 'signingKey'>, data: Uint8Array): string {
  return toBase64Url(sign(null, data, identity.signingKey))
}

export function verifyBytes(publicKey: string | KeyObject, data: Uint8Array, signature: string): boolean {
  const key = typeof publicKey === 'string' ? publicKeyObject(publicKey) : publicKey
  return verify(null, data, key, fromBase64Url(signature))
}
