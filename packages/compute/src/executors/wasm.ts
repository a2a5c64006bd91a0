/** The `wasm` executor: a WASI preview1 command module run on stdin and args; its stdout is the result. */
import { W3aiError } from '@w3ai/protocol'
import { childModule } from '../sandbox/child-build.js'
import type { WasmResult } from '../wasm/types.js'
import { agree } from './compare.js'
import type { ExecutorDescriptor } from './descriptor.js'

export const MAX_WASM_ARGS = 64
export const MAX_WASM_ARG_CHARS = 4096

export const wasmDescriptor: ExecutorDescriptor = {
  name: 'wasm',
  inputRoles: { required: ['module'], optional: ['input'] },
  paramKeys: ['args'],
  validate(params) {
    const args = params['args']
    if (args === undefined) return
    if (!Array.isArray(args) || args.length > MAX_WASM_ARGS) {
      throw new W3aiError('COMPUTE_BAD_INPUT', `params.args must be an array of at most ${MAX_WASM_ARGS} strings.`)
    }
    args.forEach((arg, i) => {
      if (typeof arg !== 'string' || arg.length > MAX_WASM_ARG_CHARS) {
        throw new W3aiError('COMPUTE_BAD_INPUT', `params.args[${i}] must be a string of at most ${MAX_WASM_ARG_CHARS} characters.`, { index: i })
      }
    })
  },
  resources: () => ({}),
  sandbox: () => ({ module: childModule('../wasm/executor.js', import.meta.url), exportName: 'wasmExecutor' }),
  async payload(params, open) {
    const module = await open('module')
    if (module === undefined) throw new W3aiError('COMPUTE_BAD_INPUT', 'A wasm job needs a module input.')
    const args = params['args']
    return { module, stdin: (await open('input')) ?? new Uint8Array(), args: Array.isArray(args) ? args.map(String) : [] }
  },
  toJson(result) {
    const r = result as WasmResult
    return { stdout: Buffer.from(r.stdout).toString('base64'), stderr: r.stderr, stderrTruncated: r.stderrTruncated }
  },
  compare: agree,
}
