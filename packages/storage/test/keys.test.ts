import { W3aiError } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { concatBytes, decryptSegment, deriveSegmentKey, encryptSegment, encryptSegmentParts, generateObjectKey } from '../src/index.js'

async function code(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn()
  } catch (err) {
    return err instanceof W3aiError ? err.code : 'other'
  }
  return undefined
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(b)

describe('segment keys and encryption', () => {
  const key = generateObjectKey()

  it('derives a distinct key and nonce per segment, deterministically', async () => {
    const a = await deriveSegmentKey(key, 0)
    const b = await deriveSegmentKey(key, 1)
    expect(a.key).toHaveLength(32)
    expect(a.nonce).toHaveLength(12)
    expect(same(a.key, b.key)).toBe(false)
    expect(same(a.nonce, b.nonce)).toBe(false)
    expect(same((await deriveSegmentKey(key, 0)).key, a.key)).toBe(true)
    expect(same(generateObjectKey(), key)).toBe(false)
  })

  it('round-trips segments of 0, 1 and many bytes; ciphertext is plaintext + 16-byte tag', async () => {
    for (const size of [0, 1, 4095, 70_000]) {
      const plain = Buffer.alloc(size, 7)
      const cipher = await encryptSegment(plain, key, 3)
      expect(cipher).toHaveLength(size + 16)
      expect(same(concatBytes(await encryptSegmentParts(plain, key, 3)), cipher)).toBe(true)
      expect(same(await decryptSegment(cipher, key, 3), plain)).toBe(true)
    }
  })

  it('refuses a flipped bit, a wrong key, a wrong index or a truncated segment with STORAGE_INTEGRITY', async () => {
    const cipher = await encryptSegment(Buffer.from('hello, segment'), key, 0)
    for (const bit of [0, 8 * 5, cipher.length * 8 - 1]) {
      const bad = Buffer.from(cipher)
      bad[bit >> 3] = (bad[bit >> 3] ?? 0) ^ (1 << (bit & 7))
      expect(await code(() => decryptSegment(bad, key, 0))).toBe('STORAGE_INTEGRITY')
    }
    expect(await code(() => decryptSegment(cipher, generateObjectKey(), 0))).toBe('STORAGE_INTEGRITY')
    expect(await code(() => decryptSegment(cipher, key, 1))).toBe('STORAGE_INTEGRITY')
    expect(await code(() => decryptSegment(cipher.subarray(0, 10), key, 0))).toBe('STORAGE_INTEGRITY')
    expect(await code(() => decryptSegment(cipher.subarray(0, cipher.length - 1), key, 0))).toBe('STORAGE_INTEGRITY')
  })

  it('rejects object keys that are not 32 bytes', async () => {
    await expect(encryptSegment(Buffer.alloc(1), Buffer.alloc(16), 0)).rejects.toThrow(/32 bytes/)
  })
})
