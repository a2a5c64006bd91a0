/**
 * Reed–Solomon in plain TypeScript (no Node APIs), for browsers: byte-identical to the native
 * @ronomon/reed-solomon coder the way erasure.ts drives it, so a piece encoded in a browser has the
 * same CID as one encoded by the Node SDK, and either side can decode or repair the other's.
 *
 * The native coder is a Cauchy *bit-matrix* code (Jerasure style), not byte-wise GF(2^8): each
 * shard is cut into blocks of w packets of `chunkSize` bytes, and every parity packet is the XOR
 * of the data packets whose bit is set in a (m·w) × (k·w) binary matrix derived from a Cauchy
 * matrix over GF(2^w). The field size w, primitive polynomial p and Cauchy offsets x, y per (k, m)
 * come from the addon's PARAMETERS table, and chunkSize from its cache heuristic; both change the
 * parity bytes, so both are copied exactly. erasure.ts always creates the coder with m = 6 and
 * computes only the parity rows it wants (each row depends only on its own index), so only the
 * m = 6 column of the table is needed here.
 */
import { ERASURE_LIMITS } from './constants.js'
import { shardSizeFor } from './erasure-params.js'

const M = ERASURE_LIMITS.maxParity

/** PARAMETERS[k-1][m-1] of binding.c for m = 6: w, p, x, y and the matrix's count of ones. */
const PARAMS_M6: ReadonlyArray<readonly [w: number, p: number, x: number, y: number, ones: number]> = [
  [4, 19, 0, 1, 24], [4, 19, 4, 10, 62], [4, 19, 0, 9, 101], [4, 19, 11, 4, 145],
  [4, 19, 0, 9, 185], [4, 19, 0, 9, 231], [4, 19, 7, 0, 277], [4, 19, 0, 8, 328],
  [4, 19, 1, 10, 376], [4, 19, 0, 10, 426], [8, 135, 58, 188, 1401], [8, 135, 57, 188, 1577],
  [8, 113, 27, 236, 1733], [8, 135, 58, 188, 1880], [8, 113, 120, 241, 2037], [8, 101, 28, 232, 2195],
  [8, 101, 27, 232, 2343], [8, 113, 205, 126, 2500], [8, 195, 3, 60, 2654], [8, 113, 21, 233, 2816],
  [8, 195, 3, 60, 2980], [8, 195, 3, 60, 3135], [8, 113, 205, 126, 3291], [8, 195, 42, 225, 3466],
]

interface Field {
  w: number
  log: Int32Array
  exp: Int32Array
  /** Ones in the w×w bit matrix of multiplication by n (cost of using n in the code). */
  bit: Int32Array
}

interface Coder {
  k: number
  w: number
  /** M row blocks of w bit rows × k·w columns: parity shard k + r is row block r. */
  encoding: Uint8Array
}

function createField(w: number, p: number): Field {
  const y = (1 << w) - 1
  const z = 1 << w
  const log = new Int32Array(z).fill(y)
  const exp = new Int32Array(z)
  let b = 1
  for (let a = 0; a < y; a++) {
    log[b] = a
    exp[a] = b
    b <<= 1
    if (b & z) b = (b ^ p) & y
  }
  const field: Field = { w, log, exp, bit: new Int32Array(z) }
  for (let n = 0; n < z; n++) {
    let count = 0
    let v = n
    for (let r = 0; r < w; r++) {
      for (let c = 0; c < w; c++) count += (v >> c) & 1
      v = mul(field, v, 2)
    }
    field.bit[n] = count
  }
  return field
}

function mul(f: Field, a: number, b: number): number {
  if (a === 0 || b === 0) return 0
  return f.exp[((f.log[a] as number) + (f.log[b] as number)) % ((1 << f.w) - 1)] as number
}

function div(f: Field, a: number, b: number): number {
  if (b === 0) throw new RangeError('division by zero in GF(2^w)')
  if (a === 0) return 0
  const y = (1 << f.w) - 1
  return f.exp[((f.log[a] as number) + y - (f.log[b] as number)) % y] as number
}

/** create_matrix() of binding.c for m >= 3: a Cauchy matrix normalised to cut the XOR count. */
function cauchyMatrix(f: Field, k: number, m: number, x: number, y: number): { matrix: Int32Array; ones: number } {
  const matrix = new Int32Array(m * k)
  let ones = (f.bit[1] as number) * k
  for (let r = 0; r < m; r++) for (let c = 0; c < k; c++) matrix[r * k + c] = div(f, 1, (y + r) ^ (x + c))
  const at = (i: number): number => matrix[i] as number
  for (let r = 1; r < m; r++) for (let c = 0; c < k; c++) matrix[r * k + c] = div(f, at(r * k + c), at(c))
  for (let c = 0; c < k; c++) matrix[c] = div(f, at(c), at(c))
  for (let r = 1; r < m; r++) {
    const rk = r * k
    let result = 0
    let column = -1
    for (let c = 0; c < k; c++) result += f.bit[at(rk + c)] as number
    for (let c = 0; c < k; c++) {
      let bits = 0
      for (let d = 0; d < k; d++) bits += f.bit[div(f, at(rk + d), at(rk + c))] as number
      if (bits < result) {
        result = bits
        column = at(rk + c)
      }
    }
    if (column >= 0) for (let c = 0; c < k; c++) matrix[rk + c] = div(f, at(rk + c), column)
    ones += result
  }
  return { matrix, ones }
}

/** create_bitmatrix_encoding() of binding.c. */
function bitMatrix(f: Field, k: number, m: number, matrix: Int32Array): Uint8Array {
  const w = f.w
  const out = new Uint8Array(m * w * k * w)
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < k; c++) {
      let x = matrix[r * k + c] as number
      for (let a = 0; a < w; a++) {
        for (let b = 0; b < w; b++) out[r * w * k * w + w * c + a + k * w * b] = (x >> b) & 1
        x = mul(f, x, 2)
      }
    }
  }
  return out
}

const coders = new Map<number, Coder>()

function coder(k: number): Coder {
  let found = coders.get(k)
  if (found === undefined) {
    const params = PARAMS_M6[k - 1]
    if (params === undefined) throw new RangeError(`k must be 1..${ERASURE_LIMITS.maxK}, got ${k}`)
    const [w, p, x, y, ones] = params
    const f = createField(w, p)
    const { matrix, ones: counted } = cauchyMatrix(f, k, M, x, y)
    // The addon asserts the same count; a mismatch means this port drifted from binding.c.
    if (counted !== ones) throw new Error(`Reed–Solomon matrix for k=${k} has ${counted} ones, expected ${ones}`)
    found = { k, w, encoding: bitMatrix(f, k, M, matrix) }
    coders.set(k, found)
  }
  return found
}

/** dot_chunk_size() of binding.c: packets shrink to stay in cache, which changes the parity bytes. */
function chunkSizeOf(w: number, k: number, shardSize: number): number {
  let chunk = shardSize / w
  while (chunk > 64 && chunk % 2 === 0 && (1 + k * w) * chunk > 1048576) chunk /= 2
  return chunk
}

function xorInto(src: Uint8Array, s: number, dst: Uint8Array, d: number, length: number): void {
  // Word-wise when both runs are 4-byte aligned in their buffers (the usual case: shards sit at
  // multiples of 8 in one allocation); byte-wise otherwise.
  const sa = src.byteOffset + s
  const da = dst.byteOffset + d
  if ((sa & 3) === 0 && (da & 3) === 0 && (length & 3) === 0) {
    const s32 = new Int32Array(src.buffer, sa, length >> 2)
    const d32 = new Int32Array(dst.buffer, da, length >> 2)
    for (let i = 0; i < s32.length; i++) d32[i] = (d32[i] as number) ^ (s32[i] as number)
    return
  }
  for (let i = 0; i < length; i++) dst[d + i] = (dst[d + i] as number) ^ (src[s + i] as number)
}

/** dot() of binding.c: target = row block × the k source shards, packet by packet. */
function dot(w: number, k: number, shards: ReadonlyArray<Uint8Array | undefined>, shardSize: number, matrix: Uint8Array, rowAt: number, sources: readonly number[], target: Uint8Array): void {
  const chunk = chunkSizeOf(w, k, shardSize)
  for (let offset = 0; offset < shardSize; offset += w * chunk) {
    let column = rowAt
    for (let a = 0; a < w; a++) {
      let copied = false
      const t = offset + a * chunk
      for (let b = 0; b < k; b++) {
        const source = shards[sources[b] as number] as Uint8Array
        for (let c = 0; c < w; c++) {
          if (matrix[column] === 1) {
            const s = offset + c * chunk
            if (!copied) target.set(source.subarray(s, s + chunk), t)
            else xorInto(source, s, target, t, chunk)
            copied = true
          }
          column++
        }
      }
      // The addon leaves such a packet untouched; no row of a valid code is all zeros, but a
      // reused output buffer must never leak old bytes into a shard.
      if (!copied) target.fill(0, t, t + chunk)
    }
  }
}

/** Inverts a square binary matrix in place (Gauss–Jordan over GF(2)); create_bitmatrix_decoding_invert(). */
function invert(source: Uint8Array, rows: number): Uint8Array {
  const target = new Uint8Array(rows * rows)
  for (let i = 0; i < rows; i++) target[i * rows + i] = 1
  const swapRows = (m: Uint8Array, r1: number, r2: number): void => {
    const tmp = m.slice(r1 * rows, r1 * rows + rows)
    m.copyWithin(r1 * rows, r2 * rows, r2 * rows + rows)
    m.set(tmp, r2 * rows)
  }
  const xorRow = (m: Uint8Array, into: number, from: number): void => {
    for (let c = 0; c < rows; c++) m[into * rows + c] = (m[into * rows + c] as number) ^ (m[from * rows + c] as number)
  }
  for (let c = 0; c < rows; c++) {
    if (source[c * rows + c] === 0) {
      let r = c + 1
      while (r < rows && source[r * rows + c] === 0) r++
      if (r === rows) throw new Error('the chosen shards do not form an invertible matrix')
      swapRows(source, c, r)
      swapRows(target, c, r)
    }
    for (let r = c + 1; r < rows; r++) {
      if (source[r * rows + c] !== 0) {
        xorRow(source, r, c)
        xorRow(target, r, c)
      }
    }
  }
  for (let r = rows - 1; r >= 0; r--) {
    for (let c = 0; c < r; c++) {
      if (source[c * rows + r] !== 0) {
        xorRow(source, c, r)
        xorRow(target, c, r)
      }
    }
  }
  return target
}

/** The bit matrix turning the k chosen shards back into the k data shards; create_bitmatrix_decoding(). */
function decodingMatrix(cod: Coder, chosen: readonly number[]): Uint8Array {
  const { k, w } = cod
  const kww = k * w * w
  const matrix = new Uint8Array(k * kww)
  chosen.forEach((index, a) => {
    if (index < k) {
      for (let b = 0; b < w; b++) matrix[kww * a + index * w + b * (k * w + 1)] = 1
    } else {
      matrix.set(cod.encoding.subarray(kww * (index - k), kww * (index - k + 1)), kww * a)
    }
  })
  return invert(matrix, k * w)
}

function checkShardSize(shardSize: number): void {
  if (!Number.isInteger(shardSize) || shardSize < ERASURE_LIMITS.shardAlign || shardSize % ERASURE_LIMITS.shardAlign !== 0) {
    throw new RangeError(`a shard is a positive multiple of ${ERASURE_LIMITS.shardAlign} bytes, got ${shardSize}`)
  }
}

/**
 * Computes parity shards from the k data shards (all `shardSize` bytes). `parity` lists shard
 * indices k..k+5; the result holds them in that order, each a fresh array.
 */
export function rsEncode(data: readonly Uint8Array[], parity: readonly number[]): Uint8Array[] {
  const k = data.length
  const cod = coder(k)
  const shardSize = data[0]?.byteLength ?? 0
  checkShardSize(shardSize)
  if (data.some((d) => d.byteLength !== shardSize)) throw new RangeError('data shards differ in size')
  const identity = data.map((_, i) => i)
  const kww = k * cod.w * cod.w
  return parity.map((index) => {
    if (!Number.isInteger(index) || index < k || index >= k + M) throw new RangeError(`parity shard ${index} is outside ${k}..${k + M - 1}`)
    const out = new Uint8Array(shardSize)
    dot(cod.w, k, data, shardSize, cod.encoding, kww * (index - k), identity, out)
    return out
  })
}

/**
 * Rebuilds shards from any k others: `available` maps shard index (0..k+5) to its bytes; returns
 * the `wanted` indices, each a fresh array. Needs at least k available shards of equal size.
 */
export function rsReconstruct(available: ReadonlyMap<number, Uint8Array>, k: number, wanted: readonly number[]): Map<number, Uint8Array> {
  const cod = coder(k)
  const indices = [...available.keys()].sort((a, b) => a - b)
  if (indices.length < k) throw new RangeError(`need ${k} shards to rebuild, have ${indices.length}`)
  const shardSize = available.get(indices[0] as number)?.byteLength ?? 0
  checkShardSize(shardSize)
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= k + M) throw new RangeError(`shard index ${i} is outside 0..${k + M - 1}`)
    if (available.get(i)?.byteLength !== shardSize) throw new RangeError('shards differ in size')
  }
  for (const i of wanted) if (!Number.isInteger(i) || i < 0 || i >= k + M) throw new RangeError(`wanted shard ${i} is outside 0..${k + M - 1}`)
  // Data shards first, as the native coder picks them: they need no arithmetic.
  const chosen = indices.slice(0, k)
  const data: Array<Uint8Array | undefined> = []
  for (let i = 0; i < k; i++) data.push(available.get(i))
  const missing = data.flatMap((d, i) => (d === undefined ? [i] : []))
  if (missing.length > 0) {
    const decoding = decodingMatrix(cod, chosen)
    const shards: Array<Uint8Array | undefined> = []
    for (const i of chosen) shards[i] = available.get(i)
    const kww = k * cod.w * cod.w
    for (const i of missing) {
      const out = new Uint8Array(shardSize)
      dot(cod.w, k, shards, shardSize, decoding, kww * i, chosen, out)
      data[i] = out
    }
  }
  const full = data as Uint8Array[]
  const out = new Map<number, Uint8Array>()
  for (const i of wanted) {
    const have = i < k ? full[i] : available.get(i)
    out.set(i, have !== undefined ? have.slice() : (rsEncode(full, [i])[0] as Uint8Array))
  }
  return out
}

/** Splits a ciphertext into `total` shards (data first, zero-padded), as encodeSegment does. */
export function rsEncodeSegment(cipher: Uint8Array, k: number, total: number): { shardSize: number; shards: Uint8Array[] } {
  if (!Number.isInteger(total) || total <= k || total > k + M) throw new RangeError(`total must be in ${k + 1}..${k + M}, got ${total}`)
  const shardSize = shardSizeFor(cipher.byteLength, k)
  // One zeroed allocation: deterministic padding, and 8-byte aligned shards for word-wise XOR.
  const buffer = new Uint8Array(k * shardSize)
  buffer.set(cipher)
  const data: Uint8Array[] = []
  for (let i = 0; i < k; i++) data.push(buffer.subarray(i * shardSize, (i + 1) * shardSize))
  const parityIndices: number[] = []
  for (let i = k; i < total; i++) parityIndices.push(i)
  return { shardSize, shards: [...data, ...rsEncode(data, parityIndices)] }
}

/** Rebuilds a segment's ciphertext from any k of its shards, as decodeSegment does. */
export function rsDecodeSegment(available: ReadonlyMap<number, Uint8Array>, k: number, shardSize: number, cipherSize: number): Uint8Array {
  if (cipherSize > k * shardSize) throw new RangeError(`a ciphertext of ${cipherSize} bytes does not fit ${k} shards of ${shardSize}`)
  const wanted: number[] = []
  for (let i = 0; i < k; i++) wanted.push(i)
  const data = rsReconstruct(available, k, wanted)
  const out = new Uint8Array(cipherSize)
  for (let i = 0, at = 0; i < k && at < cipherSize; i++, at += shardSize) {
    const shard = data.get(i) as Uint8Array
    out.set(shard.subarray(0, Math.min(shardSize, cipherSize - at)), at)
  }
  return out
}
