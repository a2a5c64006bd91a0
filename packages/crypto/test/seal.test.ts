import { Value } from '@sinclair/typebox/value'
import { SealedResultSchema, W3aiError, type SealedBox } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { generateIdentity, isSealedResult, openResult, openSealed, sealBytes, sealResult, unwrapKey, wrapKey } from '../src/index.js'

function expectDenied(fn: () => unknown): void {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(W3aiError)
    expect((err as W3aiError).code).toBe('COMPUTE_SEAL_DENIED')
    return
  }
  throw new Error('expected COMPUTE_SEAL_DENIED')
}

/** Flips one bit of a base64url field, keeping it well-formed. */
function flip(text: string, byte = 0): string {
  const bytes = Buffer.from(text, 'base64url')
  bytes[byte] = (bytes[byte] ?? 0) ^ 1
  return bytes.toString('base64url')
}

describe('sealed results', () => {
  const alice = generateIdentity('account')
  const bob = generateIdentity('account')

  it('round-trips bytes of any length, empty and large', () => {
    for (const size of [0, 1, 31, 4096, 700_000]) {
      const plain = Buffer.alloc(size, size % 251)
      const box = sealBytes(plain, alice.encryptionKey, 'ctx')
      expect(openSealed(box, alice, 'ctx').equals(plain)).toBe(true)
    }
  })

  it('seals a job result to the submitter, matching the wire schema, and opens it for that job', () => {
    const result = { outputs: { y: { type: 'float32', dims: [2, 1], data: [0.25, -1.5] } } }
    const sealed = sealResult(result, alice.encryptionKey, 'j_000000000000000000000001')
    expect(Value.Check(SealedResultSchema, sealed)).toBe(true)
    expect(isSealedResult(sealed)).toBe(true)
    expect(isSealedResult(result)).toBe(false)
    expect(JSON.stringify(sealed)).not.toContain('0.25')
    expect(openResult(sealed, alice, 'j_000000000000000000000001')).toEqual(result)
  })

  it('opens for nobody else and for no other job', () => {
    const sealed = sealResult({ x: 1 }, alice.encryptionKey, 'j_1')
    expectDenied(() => openResult(sealed, bob, 'j_1'))
    expectDenied(() => openResult(sealed, alice, 'j_2'))
  })

  it('refuses any tampered field', () => {
    const box = sealBytes(Buffer.from('a result of some length'), alice.encryptionKey)
    const tampered: SealedBox[] = [
      { ...box, ct: flip(box.ct) },
      { ...box, ct: flip(box.ct, Buffer.from(box.ct, 'base64url').length - 1) },
      { ...box, nonce: flip(box.nonce) },
      { ...box, epk: flip(box.epk) },
      { ...box, ct: box.ct.slice(0, 10) },
      { ...box, alg: 'other' as SealedBox['alg'] },
    ]
    for (const t of tampered) expectDenied(() => openSealed(t, alice))
  })

  it('keeps seals and wrapped keys apart: one never opens as the other', () => {
    const key = Buffer.alloc(32, 7)
    const box = sealBytes(key, alice.encryptionKey)
    expect(() => unwrapKey({ ...box, alg: 'X25519-HKDF-SHA256-AES-256-GCM' }, alice)).toThrow(W3aiError)
    expectDenied(() => openSealed(wrapKey(key, alice.encryptionKey), alice))
  })
})
