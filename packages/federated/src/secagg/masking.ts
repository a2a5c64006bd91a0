/**
 * Adding many PRG masks into one vector mod 2^32, the bulk of SecAgg+'s arithmetic: a client adds
 * its self mask and a pairwise mask per neighbour, the server takes the self masks (and the masks
 * of dropped clients) back out. Each stream is expanded once (prgWords: one native AES-CTR pass)
 * and up to four streams of one sign go into the vector in a single pass, so the vector is read
 * and written a quarter as often as one pass per mask would. The result is the same as adding the
 * masks one after another: the sum of five int32 values is exact in a double, and `| 0` wraps it.
 */
import { prgWords } from '@w3ai/crypto'

/** One PRG mask: the stream of `seed` in `domain`, added (1) or subtracted (-1). */
export interface Mask {
  seed: Uint8Array
  domain: string
  sign: 1 | -1
}

const asInt32 = (words: Uint32Array): Int32Array => new Int32Array(words.buffer, words.byteOffset, words.length)

/** Adds (sign 1) or subtracts (sign -1) every mask's stream to `vector`, mod 2^32, in place. */
export function applyMasks(vector: Uint32Array, masks: readonly Mask[]): void {
  const v = asInt32(vector)
  for (const sign of [1, -1] as const) {
    const group = masks.filter((m) => m.sign === sign)
    for (let i = 0; i < group.length; i += 4) {
      const streams = group.slice(i, i + 4).map((m) => asInt32(prgWords(m.seed, vector.length, m.domain)))
      accumulate(v, streams, sign)
    }
  }
}

/** v ± (the sum of up to four streams), one pass. */
function accumulate(v: Int32Array, streams: Int32Array[], sign: 1 | -1): void {
  const n = v.length
  const [a, b, c, d] = streams as [Int32Array, Int32Array?, Int32Array?, Int32Array?]
  if (d !== undefined && c !== undefined && b !== undefined) {
    if (sign === 1) for (let i = 0; i < n; i++) v[i] = ((v[i] as number) + (a[i] as number) + (b[i] as number) + (c[i] as number) + (d[i] as number)) | 0
    else for (let i = 0; i < n; i++) v[i] = ((v[i] as number) - (a[i] as number) - (b[i] as number) - (c[i] as number) - (d[i] as number)) | 0
  } else if (c !== undefined && b !== undefined) {
    if (sign === 1) for (let i = 0; i < n; i++) v[i] = ((v[i] as number) + (a[i] as number) + (b[i] as number) + (c[i] as number)) | 0
    else for (let i = 0; i < n; i++) v[i] = ((v[i] as number) - (a[i] as number) - (b[i] as number) - (c[i] as number)) | 0
  } else if (b !== undefined) {
    if (sign === 1) for (let i = 0; i < n; i++) v[i] = ((v[i] as number) + (a[i] as number) + (b[i] as number)) | 0
    else for (let i = 0; i < n; i++) v[i] = ((v[i] as number) - (a[i] as number) - (b[i] as number)) | 0
  } else if (sign === 1) for (let i = 0; i < n; i++) v[i] = ((v[i] as number) + (a[i] as number)) | 0
  else for (let i = 0; i < n; i++) v[i] = ((v[i] as number) - (a[i] as number)) | 0
}
