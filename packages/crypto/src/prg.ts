/**
 * A cryptographic pseudo-random generator: a 32-byte seed expands into as many bytes or uint32 words
 * as asked, the same everywhere for the same seed and domain. The AES-256-CTR keystream (node:crypto,
 * AES-NI where the CPU has it) runs over a zero buffer in one call, so a million words cost one
 * native pass and no per-word JavaScript. The seed is the AES key; the domain picks the nonce (the
 * first 8 bytes of SHA-256("w3ai/prg/v1|" + domain), then a 64-bit block counter from zero), so one
 * seed can feed several uses (pairwise masks, self masks, …) whose streams are unrelated. Seeds must
 * be uniformly random (fresh random bytes, or the output of a KDF).
 */
import { createCipheriv, createHash } from 'node:crypto'
import { endianness } from 'node:os'

export const PRG_SEED_BYTES = 32
const LITTLE_ENDIAN = endianness() === 'LE'
const nonces = new Map<string, Buffer>()

function nonceOf(domain: string): Buffer {
  let iv = nonces.get(domain)
  if (iv === undefined) {
    iv = Buffer.alloc(16)
    createHash('sha256').update(`w3ai/prg/v1|${domain}`).digest().copy(iv, 0, 0, 8)
    if (nonces.size < 1024) nonces.set(domain, iv)
  }
  return iv
}

function keystream(seed: Uint8Array, domain: string, length: number): Buffer {
  if (seed.byteLength !== PRG_SEED_BYTES) throw new RangeError(`a PRG seed is ${PRG_SEED_BYTES} bytes`)
  if (domain.length === 0) throw new RangeError('name the PRG domain')
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError('the PRG length is a non-negative integer')
  const cipher = createCipheriv('aes-256-ctr', seed, nonceOf(domain))
  // CTR keeps no block back: update() returns the whole stream and final() nothing.
  const out = cipher.update(zeros(length))
  cipher.final()
  return out
}

// One zero buffer, grown on demand, is the plaintext of every stream (saves a fill per call).
let zeroBuffer = Buffer.alloc(0)
function zeros(length: number): Buffer {
  if (zeroBuffer.length < length) zeroBuffer = Buffer.alloc(Math.max(length, zeroBuffer.length * 2))
  return zeroBuffer.subarray(0, length)
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
