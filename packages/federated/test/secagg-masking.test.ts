import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { prgWords } from '@w3ai/crypto'
import { W3aiError } from '@w3ai/protocol'
import { applyMasks, type Mask } from '../src/secagg/masking.js'
import { decodeWords, encodeWords } from '../src/secagg/stages.js'

/** The straightforward way: one stream at a time, each word wrapped with >>> 0. */
function oneByOne(vector: Uint32Array, masks: readonly Mask[]): Uint32Array {
  const out = vector.slice()
  for (const { seed, domain, sign } of masks) {
    const words = prgWords(seed, out.length, domain)
    for (let i = 0; i < out.length; i++) out[i] = (sign === 1 ? (out[i] as number) + (words[i] as number) : (out[i] as number) - (words[i] as number)) >>> 0
  }
  return out
}

const randomWords = (n: number): Uint32Array => new Uint32Array(randomBytes(4 * n).buffer, 0, n)
const mask = (sign: 1 | -1, domain = 'w3ai/secagg/test'): Mask => ({ seed: randomBytes(32), domain, sign })

describe('adding PRG masks into a vector', () => {
  it('gives what adding the masks one by one gives, for every count and mix of signs', () => {
    for (let count = 0; count <= 11; count++) {
      const masks = Array.from({ length: count }, (_, i) => mask(i % 3 === 1 ? -1 : 1, i % 2 === 0 ? 'a' : 'b'))
      const vector = randomWords(1001)
      const expected = oneByOne(vector, masks)
      applyMasks(vector, masks)
      expect(vector).toEqual(expected)
    }
  })

  it('wraps mod 2^32 at the extremes', () => {
    const vector = Uint32Array.of(0, 0xffffffff, 0x80000000, 1)
    const masks = [mask(1), mask(1), mask(1), mask(1), mask(1), mask(-1), mask(-1), mask(-1), mask(-1), mask(-1)]
    const expected = oneByOne(vector, masks)
    applyMasks(vector, masks)
    expect(vector).toEqual(expected)
  })

  it('takes out exactly what it put in', () => {
    const vector = randomWords(333)
    const before = vector.slice()
    const masks = [mask(1), mask(-1), mask(1), mask(1), mask(1), mask(-1)]
    applyMasks(vector, masks)
    expect(vector).not.toEqual(before)
    applyMasks(vector, masks.map((m) => ({ ...m, sign: m.sign === 1 ? -1 : 1 })))
    expect(vector).toEqual(before)
  })
})

describe('decoding a masked vector into a buffer', () => {
  it('gives the words the fresh decoding gives, in the buffer given', () => {
    const words = randomWords(257)
    const into = new Uint32Array(257)
    expect(decodeWords(encodeWords(words), 257, 'vector', into)).toBe(into)
    expect(into).toEqual(words)
    expect(decodeWords(encodeWords(words), 257)).toEqual(words)
  })

  it('refuses a stray character or a wrong length as FL_SECAGG_MALFORMED, like the fresh decoding', () => {
    const text = encodeWords(randomWords(16))
    const into = new Uint32Array(16)
    for (const bad of [`${text.slice(0, 10)}!${text.slice(11)}`, text.slice(1), `${text}A`, 42]) {
      for (const target of [into, undefined]) {
        const err = (() => {
          try {
            decodeWords(bad, 16, 'vector', target)
          } catch (e) {
            return e
          }
        })()
        expect(err).toBeInstanceOf(W3aiError)
        expect((err as W3aiError).code).toBe('FL_SECAGG_MALFORMED')
      }
    }
  })

  it('reads a vector given as bytes: aligned in place, unaligned copied, a wrong length refused', () => {
    const words = randomWords(33)
    const bytes = new Uint8Array(words.buffer)
    const view = decodeWords(bytes, 33, 'vector', new Uint32Array(33))
    expect(view.buffer).toBe(words.buffer)
    expect(view).toEqual(words)
    const shifted = new Uint8Array(bytes.length + 1)
    shifted.set(bytes, 1)
    const into = new Uint32Array(33)
    expect(decodeWords(shifted.subarray(1), 33, 'vector', into)).toBe(into)
    expect(into).toEqual(words)
    expect(decodeWords(shifted.subarray(1), 33)).toEqual(words)
    for (const bad of [bytes.subarray(4), new Uint8Array(33 * 4 + 1), new Uint8Array(0)]) {
      expect(() => decodeWords(bad, 33, 'vector', into)).toThrow(expect.objectContaining({ code: 'FL_SECAGG_MALFORMED' }))
    }
  })
})
