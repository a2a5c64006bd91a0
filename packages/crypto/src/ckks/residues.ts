/**
 * Integer polynomial coefficients into and out of SEAL's residue form: a polynomial is stored
 * prime by prime, N little-endian u64 residues each. With one data prime (the default) this is
 * two-word arithmetic on doubles, exact because every partial value stays below 2^53; with more,
 * BigInt and the Chinese remainder theorem.
 */
export class Residues {
  private readonly n: number
  private readonly primes: readonly bigint[]
  private readonly modulus: bigint
  // Every prime's high and low 32-bit words.
  private readonly highs: Float64Array
  private readonly lows: Float64Array
  // The first (with one prime, the only) prime's words, and those of floor(q / 2).
  private readonly qHigh: number
  private readonly qLow: number
  private readonly halfHigh: number
  private readonly halfLow: number
  // Several: the CRT basis Q/q_j · ((Q/q_j)^-1 mod q_j).
  private readonly basis: readonly bigint[]

  constructor(n: number, primes: readonly bigint[]) {
    this.n = n
    this.primes = primes
    this.modulus = primes.reduce((a, b) => a * b, 1n)
    this.highs = Float64Array.from(primes, (p) => Number(p >> 32n))
    this.lows = Float64Array.from(primes, (p) => Number(p & 0xffffffffn))
    const q = primes[0] as bigint
    this.qHigh = Number(q >> 32n)
    this.qLow = Number(q & 0xffffffffn)
    this.halfHigh = Number((q / 2n) >> 32n)
    this.halfLow = Number((q / 2n) & 0xffffffffn)
    this.basis = primes.map((p) => {
      const rest = this.modulus / p
      return rest * inverse(rest % p, p)
    })
  }

  /**
   * Writes `coefficients` rounded to integers (each of magnitude below Q/2) as the polynomial at
   * `bytes[offset..]`, replacing what was there.
   */
  write(bytes: Uint8Array, offset: number, coefficients: Float64Array): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, this.n * this.primes.length * 8)
    const { n, qHigh, qLow } = this
    if (this.primes.length > 1) return this.writeBig(view, coefficients)
    for (let k = 0; k < n; k++) {
      const c = Math.round(coefficients[k] as number)
      const a = Math.abs(c)
      let high = Math.floor(a / 4294967296)
      let low = a - high * 4294967296
      if (c < 0 && a > 0) {
        low = qLow - low
        high = qHigh - high
        if (low < 0) {
          low += 4294967296
          high -= 1
        }
      }
      view.setUint32(8 * k, low, true)
      view.setUint32(8 * k + 4, high, true)
    }
  }

  /** Adds the polynomial at `source[from..]` into the one at `target[to..]`, residue by residue (any form, NTT included). */
  addResidues(target: Uint8Array, to: number, source: Uint8Array, from: number): void {
    const { n } = this
    const length = n * this.primes.length * 8
    const t = new DataView(target.buffer, target.byteOffset + to, length)
    const s = new DataView(source.buffer, source.byteOffset + from, length)
    for (let j = 0; j < this.primes.length; j++) {
      const qHigh = this.highs[j] as number
      const qLow = this.lows[j] as number
      for (let k = j * n; k < (j + 1) * n; k++) {
        let low = t.getUint32(8 * k, true) + s.getUint32(8 * k, true)
        let high = t.getUint32(8 * k + 4, true) + s.getUint32(8 * k + 4, true)
        if (low >= 4294967296) {
          low -= 4294967296
          high += 1
        }
        if (high > qHigh || (high === qHigh && low >= qLow)) {
          low -= qLow
          high -= qHigh
          if (low < 0) {
            low += 4294967296
            high -= 1
          }
        }
        t.setUint32(8 * k, low, true)
        t.setUint32(8 * k + 4, high, true)
      }
    }
  }

  /** The polynomial at `bytes[offset..]` as centered integers (in (-Q/2, Q/2]), as doubles, into `out`. */
  read(bytes: Uint8Array, offset: number, out: Float64Array): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, this.n * this.primes.length * 8)
    if (this.primes.length > 1) return this.readBig(view, out)
    const { n, qHigh, qLow, halfHigh, halfLow } = this
    for (let k = 0; k < n; k++) {
      const low = view.getUint32(8 * k, true)
      const high = view.getUint32(8 * k + 4, true)
      if (high > halfHigh || (high === halfHigh && low > halfLow)) {
        // Negative: -(q - r).
        let dLow = qLow - low
        let dHigh = qHigh - high
        if (dLow < 0) {
          dLow += 4294967296
          dHigh -= 1
        }
        out[k] = -(dHigh * 4294967296 + dLow)
      } else {
        out[k] = high * 4294967296 + low
      }
    }
  }

  private writeBig(view: DataView, coefficients: Float64Array): void {
    const { n } = this
    this.primes.forEach((p, j) => {
      for (let k = 0; k < n; k++) view.setBigUint64(8 * (j * n + k), ((BigInt(Math.round(coefficients[k] as number)) % p) + p) % p, true)
    })
  }

  private readBig(view: DataView, out: Float64Array): void {
    const { n, modulus, basis } = this
    const half = modulus / 2n
    for (let k = 0; k < n; k++) {
      let x = 0n
      basis.forEach((b, j) => (x += view.getBigUint64(8 * (j * n + k), true) * b))
      x %= modulus
      out[k] = Number(x > half ? x - modulus : x)
    }
  }
}

/** a^-1 mod m (a and m coprime). */
function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [m, a % m]
  let [t0, t1] = [0n, 1n]
  while (r1 !== 0n) {
    const q = r0 / r1
    ;[r0, r1] = [r1, r0 - q * r1]
    ;[t0, t1] = [t1, t0 - q * t1]
  }
  return ((t0 % m) + m) % m
}
