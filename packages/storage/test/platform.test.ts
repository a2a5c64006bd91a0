/**
 * The two platforms under the storage core (node:crypto + the native coder; JS SHA-256 +
 * WebCrypto + the portable coder) must give the same bytes, or a piece encoded in a browser would
 * not match one encoded in Node. Node has WebCrypto, so the browser platform runs here unchanged.
 */
import { describe, expect, it } from 'vitest'
import { platform as nodePlatform } from '../src/platform/node.js'
import type { Platform } from '../src/platform/types.js'
import { platform as webPlatform } from '../src/platform/web.js'
import { prng, randomBuffer } from './helpers.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const joined = (parts: readonly Uint8Array[]): string => hex(Buffer.concat(parts))

describe('node and browser platforms', () => {
  const random = prng(7)

  it('hash alike, whole and incrementally', () => {
    for (const size of [0, 1, 63, 64, 4097, 100_000]) {
      const bytes = randomBuffer(size, random)
      expect(hex(webPlatform.sha256(bytes))).toBe(hex(nodePlatform.sha256(bytes)))
      const [a, b] = [webPlatform.createSha256(), nodePlatform.createSha256()]
      for (const h of [a, b]) for (let at = 0; at < size || at === 0; at += 1000) h.update(bytes.subarray(at, at + 1000))
      expect(hex(a.digest())).toBe(hex(nodePlatform.sha256(bytes)))
      expect(hex(b.digest())).toBe(hex(nodePlatform.sha256(bytes)))
    }
  })

  it('derive, seal and open alike, and each opens what the other sealed', async () => {
    const ikm = randomBuffer(32, random)
    const okm = await nodePlatform.hkdfSha256(ikm, 'w3s/segment/5', 44)
    expect(hex(await webPlatform.hkdfSha256(ikm, 'w3s/segment/5', 44))).toBe(hex(okm))
    const [key, nonce] = [okm.subarray(0, 32), okm.subarray(32)]
    for (const size of [0, 1, 70_000]) {
      const plain = randomBuffer(size, random)
      const sealed = await nodePlatform.aesGcmSeal(key, nonce, plain)
      expect(joined(await webPlatform.aesGcmSeal(key, nonce, plain))).toBe(joined(sealed))
      const cipher = Buffer.concat(sealed)
      expect(hex(await webPlatform.aesGcmOpen(key, nonce, cipher))).toBe(hex(plain))
      expect(hex(await nodePlatform.aesGcmOpen(key, nonce, cipher))).toBe(hex(plain))
      cipher[0] = (cipher[0] ?? 0) ^ 1
      for (const p of [nodePlatform, webPlatform] as Platform[]) await expect(p.aesGcmOpen(key, nonce, cipher)).rejects.toThrow()
    }
  })

  it('erasure-code alike, and decode each other’s shards', async () => {
    for (const [k, total, size] of [[1, 2, 10], [4, 8, 70_001], [10, 16, 5000]] as const) {
      const cipher = randomBuffer(size, random)
      const native = await nodePlatform.encodeShards([cipher.subarray(0, 7), cipher.subarray(7)], k, total)
      const portable = await webPlatform.encodeShards([cipher.subarray(0, 7), cipher.subarray(7)], k, total)
      expect(portable.shardSize).toBe(native.shardSize)
      expect(portable.shards.map(hex)).toEqual(native.shards.map(hex))
      // The last k shards: parity first where there is any, so both decoders do arithmetic.
      const available = new Map(native.shards.map((s, i) => [i, s] as const).slice(total - k))
      for (const p of [nodePlatform, webPlatform]) expect(hex(await p.decodeShards(available, k, total, native.shardSize, size))).toBe(hex(cipher))
      const short = new Map([...available].slice(1))
      for (const p of [nodePlatform, webPlatform]) await expect(p.decodeShards(short, k, total, native.shardSize, size)).rejects.toMatchObject({ code: 'STORAGE_NOT_ENOUGH_PIECES' })
    }
  })
})
