/**
 * CKKS encoding with both halves of every slot in use. A ciphertext of ring dimension N has N/2
 * complex slots; SEAL's encoder (as node-seal exposes it) takes real values only and leaves every
 * imaginary part at zero, so half of each ciphertext carried nothing. Here values i and N/2 + i of
 * a chunk go to slot i as its real and imaginary parts: N values per ciphertext, half the
 * ciphertexts, encryptions, bytes and additions for the same vector. Addition works slot by slot
 * on complex numbers, so sums of vectors decode to sums of both parts.
 *
 * The map is SEAL's (slot j is the polynomial's value at ζ^(3^j mod 2N), ζ = e^(iπ/N), and at the
 * conjugate root its conjugate), so SEAL's own decoder reads the real halves back (tested). For a
 * real polynomial m, folding it as y_k = (m_k + i·m_(k+N/2))·ζ^k (k < N/2) gives its values at the
 * roots ζ^(4s+1) as one N/2-point FFT, Y_s = Σ_k y_k e^(2πi sk/(N/2)); every slot's root or its
 * conjugate is one of those. Encoding runs it backwards.
 */
export class CanonicalEmbedding {
  /** Real values per polynomial (twice the complex slots). */
  readonly values: number
  private readonly n: number
  // For slot j: the FFT output s holding it, and whether the slot is its conjugate.
  private readonly slotAt: Uint32Array
  private readonly conjugate: Uint8Array
  // ζ^k, k < N/2.
  private readonly twistRe: Float64Array
  private readonly twistIm: Float64Array
  // Per FFT stage of size 2h (h = 1, 2, 4, ...), e^(2πi k/2h) for k < h, stage after stage.
  private readonly cos: Float64Array
  private readonly sin: Float64Array
  private readonly reversed: Uint32Array
  // Scratch: the N/2 folded values.
  private readonly re: Float64Array
  private readonly im: Float64Array

  constructor(n: number) {
    if (!Number.isInteger(Math.log2(n)) || n < 4) throw new Error(`ring dimension ${n} is not a power of two`)
    this.n = n
    this.values = n
    const half = n / 2
    this.slotAt = new Uint32Array(half)
    this.conjugate = new Uint8Array(half)
    let power = 1
    for (let j = 0; j < half; j++) {
      // Root ζ^power with power = 4s + 1, or its conjugate ζ^(2N - power) with 2N - power = 4s + 1.
      const direct = power % 4 === 1
      this.slotAt[j] = ((direct ? power : 2 * n - power) - 1) / 4
      this.conjugate[j] = direct ? 0 : 1
      power = (power * 3) % (2 * n)
    }
    this.twistRe = Float64Array.from({ length: half }, (_, k) => Math.cos((Math.PI * k) / n))
    this.twistIm = Float64Array.from({ length: half }, (_, k) => Math.sin((Math.PI * k) / n))
    this.cos = new Float64Array(half)
    this.sin = new Float64Array(half)
    for (let h = 1, at = 0; h < half; at += h, h *= 2) {
      for (let k = 0; k < h; k++) {
        this.cos[at + k] = Math.cos((Math.PI * k) / h)
        this.sin[at + k] = Math.sin((Math.PI * k) / h)
      }
    }
    const bits = Math.log2(half)
    this.reversed = Uint32Array.from({ length: half }, (_, i) => {
      let r = 0
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b)
      return r
    })
    this.re = new Float64Array(half)
    this.im = new Float64Array(half)
  }

  /**
   * The polynomial (N real coefficients, times `scale`) whose slots hold `values[start..end)`:
   * the first N/2 as real parts, the next N/2 as imaginary parts, zeros past `end`.
   */
  encode(values: ArrayLike<number>, start: number, end: number, scale: number, out: Float64Array): void {
    const { n, re, im, slotAt, conjugate, twistRe, twistIm } = this
    const half = n / 2
    for (let j = 0; j < half; j++) {
      const i = start + j
      const k = i + half
      const s = slotAt[j] as number
      re[s] = i < end ? (values[i] as number) : 0
      const y = k < end ? (values[k] as number) : 0
      im[s] = conjugate[j] === 1 ? -y : y
    }
    this.fft(-1)
    const factor = (2 * scale) / n
    // m_k + i·m_(k+N/2) = y_k·ζ^-k.
    for (let k = 0; k < half; k++) {
      const yr = re[k] as number
      const yi = im[k] as number
      const c = twistRe[k] as number
      const d = twistIm[k] as number
      out[k] = (yr * c + yi * d) * factor
      out[k + half] = (yi * c - yr * d) * factor
    }
  }

  /** The inverse: slots of the polynomial `coefficients` (times 1/`scale`), written to `out[start..start+count)`. */
  decode(coefficients: Float64Array, scale: number, out: Float64Array, start: number, count: number): void {
    const { n, re, im, twistRe, twistIm, slotAt, conjugate } = this
    const half = n / 2
    const factor = 1 / scale
    for (let k = 0; k < half; k++) {
      const a = (coefficients[k] as number) * factor
      const b = (coefficients[k + half] as number) * factor
      const c = twistRe[k] as number
      const d = twistIm[k] as number
      re[k] = a * c - b * d
      im[k] = a * d + b * c
    }
    this.fft(1)
    const realCount = Math.min(count, half)
    for (let j = 0; j < realCount; j++) out[start + j] = re[slotAt[j] as number] as number
    for (let j = 0; j < count - half; j++) {
      const y = im[slotAt[j] as number] as number
      out[start + half + j] = conjugate[j] === 1 ? -y : y
    }
  }

  /** In-place radix-2 FFT of (re, im) over N/2 points: Σ_k x_k e^(sign·2πi sk/(N/2)), unnormalized. */
  private fft(sign: 1 | -1): void {
    const { re, im, reversed, cos, sin } = this
    const size = re.length
    for (let i = 0; i < size; i++) {
      const r = reversed[i] as number
      if (r > i) {
        const a = re[i] as number
        re[i] = re[r] as number
        re[r] = a
        const b = im[i] as number
        im[i] = im[r] as number
        im[r] = b
      }
    }
    for (let h = 1, at = 0; h < size; at += h, h *= 2) {
      for (let start = 0; start < size; start += 2 * h) {
        for (let k = 0; k < h; k++) {
          const wr = cos[at + k] as number
          const wi = sign * (sin[at + k] as number)
          const a = start + k
          const b = a + h
          const xr = re[b] as number
          const xi = im[b] as number
          const tr = xr * wr - xi * wi
          const ti = xr * wi + xi * wr
          const ar = re[a] as number
          const ai = im[a] as number
          re[a] = ar + tr
          im[a] = ai + ti
          re[b] = ar - tr
          im[b] = ai - ti
        }
      }
    }
  }
}
