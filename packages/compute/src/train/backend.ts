/**
 * TF.js backend selection. The WASM backend (XNNPACK kernels) is ~1.5-2x faster than the pure-JS
 * cpu backend here and tfjs-node cannot be installed, so WASM is the default; cpu is only a
 * fallback when the .wasm files cannot be loaded, and the result says so.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { registerMissingWasmKernels } from './wasm-kernels.js'

export type BackendName = 'wasm' | 'cpu'

export interface BackendInfo {
  name: BackendName
  /** Set when WASM was wanted but the cpu fallback is in use, with the reason. */
  warning?: string
}

let current: Promise<BackendInfo> | undefined
let currentWanted: BackendName | undefined

function wasmDir(): string {
  const require = createRequire(import.meta.url)
  // The package's main file lives in dist/, next to the .wasm binaries.
  return `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/')}`
}

async function select(wanted: BackendName): Promise<BackendInfo> {
  if (wanted === 'wasm') {
    let reason = 'tf.setBackend("wasm") returned false'
    try {
      setWasmPaths(wasmDir())
      registerMissingWasmKernels()
      if (await tf.setBackend('wasm')) {
        await tf.ready()
        return { name: 'wasm' }
      }
    } catch (error) {
      reason = (error as Error).message
    }
    if (!(await tf.setBackend('cpu'))) throw new Error('Neither the wasm nor the cpu TF.js backend could start.')
    return { name: 'cpu', warning: `The WASM backend failed (${reason}); training on the slower cpu backend.` }
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('The cpu TF.js backend could not start.')
  return { name: 'cpu' }
}

/** Selects the TF.js backend once per process (TF.js keeps one global engine) and keeps it selected. */
export async function ensureBackend(wanted: BackendName = 'wasm'): Promise<BackendInfo> {
  if (current === undefined || currentWanted !== wanted) {
    currentWanted = wanted
    current = select(wanted)
  }
  const info = await current
  // Other code in the process may have switched the global backend since.
  if (tf.getBackend() !== info.name) await tf.setBackend(info.name)
  return info
}
