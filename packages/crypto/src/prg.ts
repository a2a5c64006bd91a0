/**
 * A cryptographic pseudo-random generator: a 32-byte seed expands into as many bytes or uint32 words
 * as asked, the same everywhere for the same seed and domain. The AES-256-CTR keystream (node:crypto,
 * AES-NI where the CPU has it) runs over a zero buffer in one call, so a million words cost one
 * native pass and no per-word JavaScript. The key is HKDF-SHA256(seed, domain): one seed can feed
 * several uses (pairwise masks, self masks, …) whose streams are unrelated.
 */
import { createCipheriv, hkdfSync } from 'node:crypto'
import { endianness } from 'node:os'

export const PRG_SEED_BYTES = 32
const PRG_SALT = Buffer.from('w3ai/prg/v1')
// The key is fresh per (seed, domain), so a fixed counter start is safe.
const ZERO_IV = Buffer.alloc(16)
const LITTLE_ENDIAN = endianness() === 'LE'

function keystream(seed: Uint8Array, domain: string, length: number): Buffer {
  if (seed.byteLength !== PRG_SEED_BYTES) throw new RangeError(`a PRG seed is ${PRG_SEED_BYTES} bytes`)
  if (domain.length === 0) throw new RangeError('name the PRG domain')
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError('the PRG length is a non-negative integer')
  const key = Buffer.from(hkdfSync('sha256', seed, PRG_SALT, Buffer.from(domain, 'utf8'), 32))
  const cipher = createCipheriv('aes-256-ctr', key, ZERO_IV)
  const out = Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()])
  key.fill(0)
  return out
}

/** `length` pseudo-random bytes from `seed` in `domain`. */
export function prgBytes(seed: Uint8Array, length: number, domain: string): Buffer {
  return keystream(seed, domain, length)
}

/** `count` pseudo-random uint32 words from `seed` in `domain` (the keystream read little-endian). */
export function prgWords(seed: Uint8Array, count: number, domain: string): Uint32Array {
  const bytes = keystream(seed, domain, count * 4)
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, count)
  const words = new Uint32Array(count)
  for (let i = 0; i < count; i++) words[i] = bytes.readUInt32LE(i * 4)
  return words
}
