/**
 * Signed objects (piece orders, storage receipts): ed25519 over the canonical JSON of a flat
 * object — keys sorted, no whitespace — so signer and verifier agree byte for byte.
 */
import type { KeyObject } from 'node:crypto'
import { signBytes, verifyBytes, type Identity } from './identity.js'

export function canonicalJson(value: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) sorted[key] = value[key]
  return JSON.stringify(sorted)
}

export function signObject<T extends object>(signer: Pick<Identity, 'signingKey'>, body: T): string {
  return signBytes(signer, Buffer.from(canonicalJson(body as Record<string, unknown>)))
}

export function verifyObject<T extends object>(publicKey: string | KeyObject, body: T, signature: string): boolean {
  try {
    return verifyBytes(publicKey, Buffer.from(canonicalJson(body as Record<string, unknown>)), signature)
  } catch {
    return false
  }
}
