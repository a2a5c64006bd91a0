import { randomBytes } from 'node:crypto'
import { Value } from '@sinclair/typebox/value'
import { W3aiError, WrappedKeySchema, type WrappedKey } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { generateIdentity, rewrapKey, unwrapKey, wrapKey } from '../src/index.js'

function expectDenied(fn: () => unknown): void {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(W3aiError)
    expect((err as W3aiError).code).toBe('STORAGE_ACCESS_DENIED')
    return
  }
  throw new Error('expected STORAGE_ACCESS_DENIED')
}

/** Flips one bit of a base64url field, keeping it well-formed. */
function flip(text: string, byte = 0): string {
  const bytes = Buffer.from(text, 'base64url')
  bytes[byte] = (bytes[byte] ?? 0) ^ 1
  return bytes.toString('base64url')
}

describe('key wrapping', () => {
  const alice = generateIdentity('account')
  const bob = generateIdentity('account')

  it('wraps to the recipient, matching the wire schema, and only the recipient unwraps it', () => {
    const key = randomBytes(32)
    const wrapped = wrapKey(key, alice.encryptionKey)
    expect(Value.Check(WrappedKeySchema, wrapped)).toBe(true)
    expect(unwrapKey(wrapped, alice).equals(key)).toBe(true)
    expectDenied(() => unwrapKey(wrapped, bob))
  })

  it('uses a fresh ephemeral key every time', () => {
    const key = randomBytes(32)
    const a = wrapKey(key, alice.encryptionKey)
    const b = wrapKey(key, alice.encryptionKey)
    expect(a.epk).not.toBe(b.epk)
    expect(a.ct).not.toBe(b.ct)
  })

  it('refuses any tampered field', () => {
    const wrapped = wrapKey(randomBytes(32), alice.encryptionKey)
    const tampered: WrappedKey[] = [
      { ...wrapped, ct: flip(wrapped.ct) },
      { ...wrapped, ct: flip(wrapped.ct, 40) },
      { ...wrapped, nonce: flip(wrapped.nonce) },
      { ...wrapped, epk: flip(wrapped.epk) },
      { ...wrapped, epk: bob.encryptionKey },
      { ...wrapped, ct: wrapped.ct.slice(0, 60) },
      { ...wrapped, alg: 'other' as WrappedKey['alg'] },
      { ...wrapped, epk: Buffer.alloc(32).toString('base64url') },
    ]
    for (const t of tampered) expectDenied(() => unwrapKey(t, alice))
  })

  it('re-wraps a key to share it', () => {
    const key = randomBytes(32)
    const forBob = rewrapKey(wrapKey(key, alice.encryptionKey), alice, bob.encryptionKey)
    expect(unwrapKey(forBob, bob).equals(key)).toBe(true)
    expectDenied(() => unwrapKey(forBob, alice))
    expectDenied(() => rewrapKey(forBob, alice, alice.encryptionKey))
  })

  it('rejects keys of the wrong size and malformed recipients', () => {
    expect(() => wrapKey(randomBytes(16), alice.encryptionKey)).toThrow(/32 bytes/)
    expect(() => wrapKey(randomBytes(32), 'not-a-key')).toThrow(/x25519/)
  })
})
