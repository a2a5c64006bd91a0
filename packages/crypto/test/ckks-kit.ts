/** Helpers the CKKS tests share. */
import { W3aiError, type ErrorCode } from '@w3ai/protocol'
import { normal, seededRandom } from '@w3ai/util'
import { expect } from 'vitest'

/** Runs `fn`, expects a W3aiError with `code`, and returns it. */
export function expectCode(fn: () => unknown, code: ErrorCode): W3aiError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(W3aiError)
    expect((err as W3aiError).code, (err as Error).message).toBe(code)
    return err as W3aiError
  }
  throw new Error(`expected ${code}`)
}

/** Standard normal values from a seed. */
export function randomVector(length: number, seed: number): Float32Array {
  const random = seededRandom(seed)
  return Float32Array.from({ length }, () => normal(random))
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)))
  return max
}

/**
 * How much SEAL's WASM memory grows over `rounds` runs of `round`, after a warm-up: the least of
 * three such windows. A leak grows every window; the heap growing once (a new WASM page run when
 * fragmentation needs it, which never shrinks) shows in one window only.
 */
export function wasmGrowth(round: () => void, rounds = 10, warmup = 5): number {
  const wasm = (): number => process.memoryUsage().external - process.memoryUsage().arrayBuffers
  for (let i = 0; i < warmup; i++) round()
  const windows: number[] = []
  for (let w = 0; w < 3; w++) {
    const before = wasm()
    for (let i = 0; i < rounds; i++) round()
    windows.push(wasm() - before)
  }
  return Math.min(...windows)
}
