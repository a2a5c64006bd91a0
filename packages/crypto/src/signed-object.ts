/**
 * Signed objects (piece orders, storage receipts, and any nested object the ledger will sign):
 * ed25519 over the UTF-8 of the object's RFC 8785 (JCS) canonical JSON, so signer and verifier
 * agree byte for byte whatever the key order at any depth.
 */
import type { KeyObject } from 'node:crypto'
import canonicalize from 'canonicalize'
import { signBytes, verifyBytes, type Identity } from './identity.js'

/**
 * The RFC 8785 canonical JSON of `value`: object keys sorted by UTF-16 code units at every depth,
 * no whitespace, numbers as ECMAScript prints them, properties whose value is `undefined` left
 * out (as JSON.stringify does, so an object signs the same before and after a trip through JSON).
 * Throws on what JSON cannot hold exactly: NaN, Infinity, lone surrogates, BigInt, cycles, or a
 * top-level value with no JSON form.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value)
  if (text === undefined) throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`)
  return text
}

export function signObject<T extends object>(signer: Pick<Identity, 'signingKey'>, body: T): string {
  return signBytes(signer, Buffer.from(canonicalJson(body)))
}

/** True when `signature` is `publicKey`'s signature over `body`; false for anything else, malformed input included. */
export function verifyObject<T extends object>(publicKey: string | KeyObject, body: T, signature: string): boolean {
  try {
    return verifyBytes(publicKey, Buffer.from(canonicalJson(body)), signature)
  } catch {
    return false
  }
}
