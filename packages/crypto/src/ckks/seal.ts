/**
 * node-seal (Microsoft SEAL compiled to WebAssembly), loaded on first use: importing
 * `@w3ai/crypto/ckks` costs nothing until a context is created, and the 1.4 MB module and its WASM
 * instance are shared by every context in the process.
 */
import type { SEALLibrary } from 'node-seal/implementation/seal'

export type { SEALLibrary }

let loading: Promise<SEALLibrary> | undefined

/** The SEAL library, instantiated once per process. */
export function loadSeal(): Promise<SEALLibrary> {
  loading ??= import('node-seal').then((m) => m.default())
  return loading
}
