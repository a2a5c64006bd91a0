/**
 * The user's account identity in the browser, read from the `identity.json` the CLI keeps in
 * `~/.w3ai`. Keys are imported into WebCrypto as non-extractable keys and held in memory only:
 * nothing is stored by the page or sent to the hub, and a reload forgets them.
 */
import { fromBase64Url, toHex } from './bytes.js'

export interface BrowserIdentity {
  /** `a_…`, derived from the signing key. */
  id: string
  /** ed25519 public key, raw 32 bytes base64url (x-w3ai-key). */
  publicKey: string
  /** x25519 public key, raw 32 bytes base64url (object keys are wrapped to it). */
  encryptionKey: string
  signingKey: CryptoKey
  decryptionKey: CryptoKey
}

interface IdentityFile {
  version: number
  kind: string
  id: string
  publicKey: string
  encryptionKey: string
  signingKeyPkcs8: string
  decryptionKeyPkcs8: string
}

function asIdentityFile(value: unknown): IdentityFile {
  const f = value as Partial<IdentityFile> | null
  const strings = ['kind', 'id', 'publicKey', 'encryptionKey', 'signingKeyPkcs8', 'decryptionKeyPkcs8'] as const
  if (f === null || typeof f !== 'object' || f.version !== 1 || strings.some((k) => typeof f[k] !== 'string')) {
    throw new Error('This is not a w3ai identity file (version 1).')
  }
  if (f.kind !== 'account') throw new Error(`This is a ${String(f.kind)} identity; storage needs an account identity.`)
  return f as IdentityFile
}

/** The id the hub derives from a signing key: `a_` + the first 20 hex digits of its SHA-256. */
export async function accountIdOf(publicKey: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', fromBase64Url(publicKey)))
  return `a_${toHex(digest).slice(0, 20)}`
}

/**
 * Imports a private key, checking it against the public key the file records. The check needs
 * the key's public half, which WebCrypto shows only through an extractable key's JWK; that copy
 * is dropped and the key re-imported non-extractable.
 */
async function importChecked(pkcs8: string, name: 'Ed25519' | 'X25519', usages: KeyUsage[], expected: string): Promise<CryptoKey> {
  const der = fromBase64Url(pkcs8)
  try {
    const probe = await crypto.subtle.importKey('pkcs8', der, { name }, true, usages)
    const jwk = await crypto.subtle.exportKey('jwk', probe)
    if (jwk.x !== expected) throw new Error(`The identity file's ${name} key does not match its public key.`)
    return await crypto.subtle.importKey('pkcs8', der, { name }, false, usages)
  } finally {
    der.fill(0)
  }
}

/** Parses and imports an identity file's text; throws with a readable message when it is not one. */
export async function importIdentity(text: string): Promise<BrowserIdentity> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error('The file is not JSON; pick the identity.json from your ~/.w3ai folder.')
  }
  const file = asIdentityFile(parsed)
  const signingKey = await importChecked(file.signingKeyPkcs8, 'Ed25519', ['sign'], file.publicKey)
  const decryptionKey = await importChecked(file.decryptionKeyPkcs8, 'X25519', ['deriveBits'], file.encryptionKey)
  if ((await accountIdOf(file.publicKey)) !== file.id) throw new Error('The identity file id does not match its signing key.')
  return { id: file.id, publicKey: file.publicKey, encryptionKey: file.encryptionKey, signingKey, decryptionKey }
}
