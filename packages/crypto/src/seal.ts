/**
 * Sealed results: bytes of any length sealed to an account's x25519 key, so a node can hand a
 * result to the hub that only the submitter opens. The construction is the key wrap's (wrap.ts:
 * fresh ephemeral x25519 key, HKDF-SHA256 salted with both public keys, AES-256-GCM) under its own
 * HKDF label, so a wrapped key never opens as a seal nor the reverse. A context (the job id) is
 * authenticated with the ciphertext: a sealed result moved to another job does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { W3aiError, type SealedBox, type SealedResult } from '@w3ai/protocol'
import { fromBase64Url, isBase64Url, toBase64Url } from './encoding.js'
import type { Identity } from './identity.js'
import { recipientKek, senderKek, WRAP_ALG } from './wrap.js'

export const SEAL_ALG = WRAP_ALG
const SEAL_INFO = Buffer.from('w3ai/seal/v1')
const NONCE_BYTES = 12
const TAG_BYTES = 16

const aad = (context: string): Buffer => Buffer.from(`w3ai/seal/v1\n${context}`)

/** Seals bytes to a recipient's x25519 public key (base64url), bound to `context` (default none). */
export function sealBytes(plain: Uint8Array, recipientEncryptionKey: string, context = ''): SealedBox {
  const { epk, kek } = senderKek(recipientEncryptionKey, SEAL_INFO)
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv('aes-256-gcm', kek, nonce)
  cipher.setAAD(aad(context))
  const ct = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()])
  kek.fill(0)
  return { alg: SEAL_ALG, epk: toBase64Url(epk), nonce: toBase64Url(nonce), ct: toBase64Url(ct) }
}

/** Opens sealed bytes with the recipient's identity; another key, another context or tampering → COMPUTE_SEAL_DENIED. */
export function openSealed(box: SealedBox, identity: Pick<Identity, 'encryptionKey' | 'decryptionKey'>, context = ''): Buffer {
  try {
    if (box.alg !== SEAL_ALG || !isBase64Url(box.nonce, NONCE_BYTES) || !/^[A-Za-z0-9_-]+$/.test(box.ct)) throw new Error('malformed sealed box')
    const ct = fromBase64Url(box.ct)
    if (ct.length < TAG_BYTES) throw new Error('malformed sealed box')
    const kek = recipientKek(box.epk, identity, SEAL_INFO)
    const decipher = createDecipheriv('aes-256-gcm', kek, fromBase64Url(box.nonce))
    kek.fill(0)
    decipher.setAAD(aad(context))
    decipher.setAuthTag(ct.subarray(ct.length - TAG_BYTES))
    return Buffer.concat([decipher.update(ct.subarray(0, ct.length - TAG_BYTES)), decipher.final()])
  } catch {
    // One answer for every failure, as for wrapped keys.
    throw new W3aiError('COMPUTE_SEAL_DENIED')
  }
}

/** A job result (any JSON) sealed to the submitter's key and bound to the job: `{ sealed }`. */
export function sealResult(result: unknown, recipientEncryptionKey: string, jobId: string): SealedResult {
  return { sealed: sealBytes(Buffer.from(JSON.stringify(result ?? null)), recipientEncryptionKey, jobId) }
}

/** The plain result of a sealed one; COMPUTE_SEAL_DENIED unless it was sealed to this identity for this job. */
export function openResult(sealed: SealedResult, identity: Pick<Identity, 'encryptionKey' | 'decryptionKey'>, jobId: string): unknown {
  const bytes = openSealed(sealed.sealed, identity, jobId)
  return JSON.parse(bytes.toString('utf8')) as unknown
}

/** Whether a job result is a sealed one (`{ sealed: { alg, epk, nonce, ct } }`), by its shape. */
export function isSealedResult(value: unknown): value is SealedResult {
  if (value === null || typeof value !== 'object' || Object.keys(value).length !== 1) return false
  const box = (value as { sealed?: unknown }).sealed
  if (box === null || typeof box !== 'object') return false
  const { alg, epk, nonce, ct } = box as Record<string, unknown>
  return alg === SEAL_ALG && typeof epk === 'string' && typeof nonce === 'string' && typeof ct === 'string'
}
