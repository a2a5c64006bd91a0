/**
 * Sealed job results opened in the page, as seal.ts in @w3ai/crypto makes them: the key wrap's
 * ECIES (ephemeral x25519, HKDF-SHA256 salted with the ephemeral and the recipient public keys)
 * under the label `w3ai/seal/v1`, AES-256-GCM with the job id authenticated beside the ciphertext.
 * A compute-only job's result is sealed to its buyer: only this page, with the buyer's identity,
 * reads it; the hub and the data's seller cannot.
 */
import type { SealedBox } from '@w3ai/protocol'
import { concat, fromBase64Url, utf8 } from '../storage/bytes.js'
import type { BrowserIdentity } from '../storage/identity.js'
import { WRAP_ALG } from '../storage/wire.js'

const SEAL_INFO = 'w3ai/seal/v1'
const NONCE_BYTES = 12
const TAG_BYTES = 16

/** Whether a job result is a sealed one (`{ sealed: { alg, epk, nonce, ct } }`), by its shape. */
export function isSealedResult(value: unknown): value is { sealed: SealedBox } {
  if (value === null || typeof value !== 'object' || Object.keys(value).length !== 1) return false
  const box = (value as { sealed?: unknown }).sealed
  if (box === null || typeof box !== 'object') return false
  const { alg, epk, nonce, ct } = box as Record<string, unknown>
  return alg === WRAP_ALG && typeof epk === 'string' && typeof nonce === 'string' && typeof ct === 'string'
}

/** Opens sealed bytes bound to `context`; any failure (not ours, another job's, tampered) is one error. */
export async function openSealed(box: SealedBox, identity: Pick<BrowserIdentity, 'encryptionKey' | 'decryptionKey'>, context = ''): Promise<Uint8Array> {
  try {
    if (box.alg !== WRAP_ALG) throw new Error('unknown seal algorithm')
    const epk = fromBase64Url(box.epk)
    const nonce = fromBase64Url(box.nonce)
    const ct = fromBase64Url(box.ct)
    if (epk.byteLength !== 32 || nonce.byteLength !== NONCE_BYTES || ct.byteLength < TAG_BYTES) throw new Error('malformed sealed box')
    const peer = await crypto.subtle.importKey('raw', epk, { name: 'X25519' }, false, [])
    const shared = await crypto.subtle.deriveBits({ name: 'X25519', public: peer }, identity.decryptionKey, 256)
    const ikm = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey'])
    const kek = await crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: concat([epk, fromBase64Url(identity.encryptionKey)]), info: utf8(SEAL_INFO) }, ikm, { name: 'AES-GCM', length: 256 }, false, ['decrypt'])
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: utf8(`${SEAL_INFO}\n${context}`) }, kek, ct))
  } catch {
    throw new Error('This result is not sealed to your identity for this job (or was tampered with).')
  }
}

/** A job's plain result: a sealed one opened with the identity (bound to the job id), others as they are. */
export async function openJobResult(job: { id: string; result: unknown }, identity: Pick<BrowserIdentity, 'encryptionKey' | 'decryptionKey'>): Promise<unknown> {
  if (!isSealedResult(job.result)) return job.result
  return JSON.parse(new TextDecoder().decode(await openSealed(job.result.sealed, identity, job.id))) as unknown
}
