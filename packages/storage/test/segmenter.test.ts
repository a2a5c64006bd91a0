import { describe, expect, it } from 'vitest'
import { segments } from '../src/index.js'
import { prng, randomBuffer } from './helpers.js'

async function collect(source: Iterable<Uint8Array>, size: number): Promise<Buffer[]> {
  const out: Buffer[] = []
  for await (const s of segments(source, size)) out.push(Buffer.from(s))
  return out
}

describe('segmenter', () => {
  it('yields one empty segment for an empty input', async () => {
    expect(await collect([], 16)).toEqual([Buffer.alloc(0)])
    expect(await collect([new Uint8Array(0), new Uint8Array(0)], 16)).toEqual([Buffer.alloc(0)])
  })

  it('cuts exact segments, the last shorter, whatever the chunking', async () => {
    const random = prng(21)
    for (const total of [1, 15, 16, 17, 32, 33, 100]) {
      const data = randomBuffer(total, random)
      for (const chunk of [1, 5, 16, 40, 1000]) {
        const chunks: Buffer[] = []
        for (let i = 0; i < total; i += chunk) chunks.push(data.subarray(i, i + chunk))
        const segs = await collect(chunks, 16)
        expect(segs).toHaveLength(Math.ceil(total / 16))
        expect(segs.slice(0, -1).every((s) => s.length === 16)).toBe(true)
        expect(Buffer.concat(segs).equals(data)).toBe(true)
      }
    }
  })

  it('does not alias source chunks that the source reuses', async () => {
    const reused = Buffer.alloc(8)
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 4; i++) {
        reused.fill(i)
        yield reused
      }
    }
    const out: Uint8Array[] = []
    for await (const s of segments(source(), 16)) out.push(s)
    expect(Buffer.concat(out)).toEqual(Buffer.from([...Array(8).fill(0), ...Array(8).fill(1), ...Array(8).fill(2), ...Array(8).fill(3)]))
  })
})
