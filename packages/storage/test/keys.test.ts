import { W3aiError } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { decryptSegment, deriveSegmentKey, encryptSegment, encryptSegmentParts, generateObjectKey } from '../src/index.js'

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return err instanceof W3aiError ? err.code : 'other'
  }
  return undefined
}

describe('segment keys and encryption', () => {
  const key = generateObjectKey()

  it('derives a distinct key and nonce per segment, deterministically', () => {
    const a = deriveSegmentKey(key, 0)
    const b = deriveSegmentKey(key, 1)
    expect(a.key).toHaveLength(32)
    expect(a.nonce).toHaveLength(12)
    expect(a.key.equals(b.key)).toBe(false)
    expect(a.nonce.equals(b.nonce)).toBe(false)
    expect(deriveSegmentKey(key, 0).key.equals(a.key)).toBe(true)
    expect(generateObjectKey().equals(key)).toBe(false)
  })

  it('round-trips segments of 0, 1 and many bytes; ciphertext is plaintext + 16-byte tag', () => {
    for (const size of [0, 1, 4095, 70_000]) {
      const plain = Buffer.alloc(size, 7)
      const cipher = encryptSegment(plain, key, 3)
      expect(cipher).toHaveLength(size + 16)
      expect(Buffer.concat(encryptSegmentParts(plain, key, 3)).equals(cipher)).toBe(true)
      expect(decryptSegment(cipher, key, 3).equals(plain)).toBe(true)
    }
  })

  it('refuses a flipped bit, a wrong key, a wrong index or a truncated segment with STORAGE_INTEGRITY', () => {
    const cipher = encryptSegment(Buffer.from('hello, segment'), key, 0)
    for (const bit of [0, 8 * 5, cipher.length * 8 - 1]) {
      const bad = Buffer.from(cipher)
      bad[bit >> 3] = (bad[bit >> 3] ?? 0) ^ (1 << (bit & 7))
      expect(code(() => decryptSegment(bad, key, 0))).toBe('STORAGE_INTEGRITY')
    }
    expect(code(() => decryptSegment(cipher, generateObjectKey(), 0))).toBe('STORAGE_INTEGRITY')
    expect(code(() => decryptSegment(cipher, key, 1))).toBe('STORAGE_INTEGRITY')
    expect(code(() => decryptSegment(cipher.subarray(0, 10), key, 0))).toBe('STORAGE_INTEGRITY')
    expect(code(() => decryptSegment(cipher.subarray(0, cipher.length - 1), key, 0))).toBe('STORAGE_INTEGRITY')
  })

  it('rejects object keys that are not 32 bytes', () => {
    expect(() => encryptSegment(Buffer.alloc(1), Buffer.alloc(16), 0)).toThrow(/32 bytes/)
  })
})
