/**
 * node-seal (Microsoft SEAL compiled to WebAssembly), loaded on first use and shared by every HE
 * context in the process. @w3ai/crypto/ckks loads it the same way for federated sums; compute
 * keeps its own loader so that sandbox children bundle no crypto package.
 */
import type { SEALLibrary } from 'node-seal/implementation/seal'

export type { SEALLibrary }

let loading: Promise<SEALLibrary> | undefined

/** The SEAL library, instantiated once per process. */
export function loadSeal(): Promise<SEALLibrary> {
  loading ??= import('node-seal').then((m) => m.default())
  return loading
}
