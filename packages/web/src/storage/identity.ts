/**
 * The user's account identity in the browser: created here, or read from an `identity.json` the
 * CLI keeps in `~/.w3ai` (the same file format both ways, so a browser identity works in the CLI
 * and the other way round). Keys are WebCrypto keys (ed25519 to sign, x25519 to open wrapped
 * object keys); they stay in this browser and are never sent to the hub. Keys created here are
 * extractable, so they can be saved as identity.json; keys loaded from a file (which the user
 * already has) are not, unless asked.
 */
import { fromBase64Url, toBase64Url, toHex } from './bytes.js'

export interface BrowserIdentity {
  /** `a_…`, derived from the signing key. */
  id: string
  /** ed25519 public key, raw 32 bytes base64url (x-w3ai-key). */
  publicKey: string
  /** x25519 public key, raw 32 bytes base64url (object keys are wrapped to it). */
  encryptionKey: string
  signingKey: CryptoKey
  decryptionKey: CryptoKey
  /** ISO time the identity was made (kept in the exported file, as the CLI does). */
  createdAt: string
}

/** The on-disk form, as @w3ai/crypto's IdentityFile (an account's). */
export interface IdentityFile {
  version: 1
  kind: 'account'
  id: string
  publicKey: string
  encryptionKey: string
  signingKeyPkcs8: string
  decryptionKeyPkcs8: string
  createdAt: string
}

/** The file name the CLI reads: `~/.w3ai/identity.json`. */
export const IDENTITY_FILE_NAME = 'identity.json'

function asIdentityFile(value: unknown): Omit<IdentityFile, 'createdAt'> & { createdAt?: unknown } {
  const f = value as Partial<IdentityFile> | null
  const strings = ['kind', 'id', 'publicKey', 'encryptionKey', 'signingKeyPkcs8', 'decryptionKeyPkcs8'] as const
  if (f === null || typeof f !== 'object' || f.version !== 1 || strings.some((k) => typeof f[k] !== 'string')) {
    throw new Error('This is not a w3ai identity file (version 1).')
  }
  if (f.kind !== 'account') throw new Error(`This is a ${String(f.kind)} identity; the dashboard needs an account identity.`)
  return f as IdentityFile
}

/** The id the hub derives from a signing key: `a_` + the first 20 hex digits of its SHA-256. */
export async function accountIdOf(publicKey: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', fromBase64Url(publicKey)))
  return `a_${toHex(digest).slice(0, 20)}`
}

/**
 * Imports a private key, checking it against the public key the file records. The check needs
 * the key's public half, which WebCrypto shows only through an extractable key's JWK; unless the
 * caller wants to export the identity again, that copy is dropped and the key re-imported
 * non-extractable.
 */
async function importChecked(pkcs8: string, name: 'Ed25519' | 'X25519', usages: KeyUsage[], expected: string, extractable: boolean): Promise<CryptoKey> {
  const der = fromBase64Url(pkcs8)
  try {
    let probe: CryptoKey
    let x: string | undefined
    try {
      probe = await crypto.subtle.importKey('pkcs8', der, { name }, true, usages)
      x = (await crypto.subtle.exportKey('jwk', probe)).x
    } catch {
      throw new Error(`The identity file's ${name} private key cannot be read.`)
    }
    if (x !== expected) throw new Error(`The identity file's ${name} key does not match its public key.`)
    return extractable ? probe : await crypto.subtle.importKey('pkcs8', der, { name }, false, usages)
  } finally {
    der.fill(0)
  }
}

export interface ImportOptions {
  /** Keep the keys exportable (to save identity.json again); by default they are not. */
  extractable?: boolean
  now?: Date
}

/** Parses and imports an identity file's text; throws with a readable message when it is not one. */
export async function importIdentity(text: string, options: ImportOptions = {}): Promise<BrowserIdentity> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error('The file is not JSON; pick the identity.json from your ~/.w3ai folder.')
  }
  const file = asIdentityFile(parsed)
  const extractable = options.extractable === true
  const signingKey = await importChecked(file.signingKeyPkcs8, 'Ed25519', ['sign'], file.publicKey, extractable)
  const decryptionKey = await importChecked(file.decryptionKeyPkcs8, 'X25519', ['deriveBits'], file.encryptionKey, extractable)
  if ((await accountIdOf(file.publicKey)) !== file.id) throw new Error('The identity file id does not match its signing key.')
  const createdAt = typeof file.createdAt === 'string' ? file.createdAt : (options.now ?? new Date()).toISOString()
  return { id: file.id, publicKey: file.publicKey, encryptionKey: file.encryptionKey, signingKey, decryptionKey, createdAt }
}

/** Whether the identity's private keys can be saved to a file (created here, or imported exportable). */
export function canExport(identity: BrowserIdentity): boolean {
  return identity.signingKey.extractable && identity.decryptionKey.extractable
}

/** A new account identity: fresh ed25519 and x25519 key pairs made by WebCrypto in this browser. */
export async function createIdentity(now: Date = new Date()): Promise<BrowserIdentity> {
  const sig = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair
  const enc = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair
  const raw = async (key: CryptoKey): Promise<string> => toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', key)))
  const publicKey = await raw(sig.publicKey)
  return { id: await accountIdOf(publicKey), publicKey, encryptionKey: await raw(enc.publicKey), signingKey: sig.privateKey, decryptionKey: enc.privateKey, createdAt: now.toISOString() }
}

/** The identity as the CLI keeps it on disk; throws for keys imported non-extractable. */
export async function identityToFile(identity: BrowserIdentity): Promise<IdentityFile> {
  const der = async (key: CryptoKey): Promise<string> => toBase64Url(new Uint8Array(await crypto.subtle.exportKey('pkcs8', key)))
  return {
    version: 1,
    kind: 'account',
    id: identity.id,
    publicKey: identity.publicKey,
    encryptionKey: identity.encryptionKey,
    signingKeyPkcs8: await der(identity.signingKey),
    decryptionKeyPkcs8: await der(identity.decryptionKey),
    createdAt: identity.createdAt,
  }
}

/** identity.json's text, formatted as the CLI writes it. */
export async function exportIdentity(identity: BrowserIdentity): Promise<string> {
  return JSON.stringify(await identityToFile(identity), null, 2) + '\n'
}
