/**
 * The "Run a job" form's rules, kept apart from React so they are unit-tested: which program,
 * which stored objects, and the job the hub is sent. The hub checks the same things again
 * (hub/src/jobs/validate.ts); this only catches what the form can tell before a round trip.
 */
import type { JobSubmit } from '@w3ai/protocol'
import { BUILTIN_PROGRAMS, type BuiltinProgram } from './builtin-programs.js'

export type ProgramChoice = BuiltinProgram['id'] | 'wasm' | 'onnx'

export interface RunForm {
  program: ProgramChoice
  /** CID of the file a program reads (built-ins and wasm: "input"; onnx: unused). */
  input: string
  /** CID of the user's own module (wasm) or model (onnx). */
  code: string
  /** wasm: arguments, space-separated. */
  args: string
  /** onnx: the inline input tensors as JSON. */
  tensors: string
}

export const EXAMPLE_TENSORS = '{ "x": { "type": "float32", "dims": [1, 4], "data": [1, 2, 3, 4] } }'

export const INITIAL_FORM: RunForm = { program: 'count', input: '', code: '', args: '', tensors: EXAMPLE_TENSORS }

export function builtinOf(program: ProgramChoice): BuiltinProgram | undefined {
  return BUILTIN_PROGRAMS.find((p) => p.id === program)
}

/**
 * The job to submit, given the CID of the built-in module when one was chosen (stored first by
 * the caller). Throws an Error whose message the form shows.
 */
export function jobOf(form: RunForm, builtinModule?: string): JobSubmit {
  if (builtinOf(form.program) !== undefined) {
    if (form.input === '') throw new Error('Pick the file the program reads (upload one on the Storage tab first).')
    if (builtinModule === undefined) throw new Error('The built-in program is not stored yet.')
    return { executor: 'wasm', inputs: { module: builtinModule, input: form.input } }
  }
  if (form.program === 'wasm') {
    if (form.code === '') throw new Error('Pick your stored WASI module (.wasm).')
    const args = form.args.trim() === '' ? [] : form.args.trim().split(/\s+/)
    return { executor: 'wasm', inputs: { module: form.code, ...(form.input === '' ? {} : { input: form.input }) }, ...(args.length === 0 ? {} : { params: { args } }) }
  }
  if (form.code === '') throw new Error('Pick your stored ONNX model (.onnx).')
  let tensors: unknown
  try {
    tensors = JSON.parse(form.tensors)
  } catch {
    throw new Error('The input tensors are not JSON; e.g. ' + EXAMPLE_TENSORS)
  }
  if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors) || Object.keys(tensors).length === 0) {
    throw new Error('The input tensors are an object of named tensors, e.g. ' + EXAMPLE_TENSORS)
  }
  return { executor: 'onnx', inputs: { model: form.code }, params: { tensors } }
}
