/**
 * The executors this network runs, by name: the one place an executor is added. The hub validates
 * jobs and compares results through it, the router places by its resource needs, the node builds
 * payloads and picks the sandbox entry from it, and serving asks it which executor serves models.
 *
 * @example
 *   import { builtinExecutors } from '@w3ai/compute/executors'
 *   const executors = builtinExecutors()
 *   executors.validate('train', params, inputs)        // throws the stable code of the first problem
 *   executors.get('train').compare(a, b, tolerance)    // do two replicas agree?
 */
import { W3aiError } from '@w3ai/protocol'
import type { ExecutorDescriptor } from './descriptor.js'
import { heDescriptor } from './he.js'
import { onnxDescriptor } from './onnx.js'
import { trainDescriptor } from './train.js'
import { wasmDescriptor } from './wasm.js'

export type { ExecutorDescriptor, ExecutorResources, InputRoles, OpenInput } from './descriptor.js'
export { agree } from './compare.js'
export { MAX_INLINE_ELEMENTS } from './onnx.js'
export { MAX_WASM_ARGS, MAX_WASM_ARG_CHARS } from './wasm.js'
export { TRAIN_TIMING_FIELDS } from './train.js'

/** Every built-in executor. Add a new one here (and to protocol's JOB_EXECUTORS wire enum). */
export const BUILTIN_DESCRIPTORS: readonly ExecutorDescriptor[] = [onnxDescriptor, trainDescriptor, wasmDescriptor, heDescriptor]

const list = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ')
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

export class ExecutorDescriptors {
  readonly #byName = new Map<string, ExecutorDescriptor>()

  constructor(descriptors: readonly ExecutorDescriptor[] = BUILTIN_DESCRIPTORS) {
    for (const d of descriptors) this.register(d)
  }

  /** Adds (or replaces) an executor; at most one may be servable. */
  register(descriptor: ExecutorDescriptor): this {
    const servable = this.list().find((d) => d.servable === true && d.name !== descriptor.name)
    if (descriptor.servable === true && servable !== undefined) throw new TypeError(`executor ${descriptor.name}: ${servable.name} already serves models`)
    this.#byName.set(descriptor.name, descriptor)
    return this
  }

  has(name: string): boolean {
    return this.#byName.has(name)
  }

  /** The descriptor, or VALIDATION_FAILED naming the executors there are. */
  get(name: string): ExecutorDescriptor {
    const d = this.#byName.get(name)
    if (d === undefined) throw new W3aiError('VALIDATION_FAILED', `Unknown executor ${JSON.stringify(name)}; use one of ${list(this.names())}.`)
    return d
  }

  names(): string[] {
    return [...this.#byName.keys()].sort()
  }

  list(): ExecutorDescriptor[] {
    return this.names().map((n) => this.#byName.get(n)!)
  }

  /** The executor deployments serve models with. */
  servable(): ExecutorDescriptor {
    const d = this.list().find((x) => x.servable === true)
    if (d === undefined) throw new W3aiError('VALIDATION_FAILED', 'No executor here serves models.')
    return d
  }

  /**
   * Throws the stable code of the first problem with a job's inputs and params: roles outside
   * the executor's, a missing required role, params that are not an object or have keys it does
   * not take, then the executor's own checks.
   */
  validate(name: string, params: unknown, inputs: Readonly<Record<string, string>>): void {
    const d = this.get(name)
    const { required, optional } = d.inputRoles
    const unknown = Object.keys(inputs).filter((role) => !required.includes(role) && !optional.includes(role))
    if (unknown.length > 0) {
      throw new W3aiError('VALIDATION_FAILED', `A ${name} job takes the input role(s) ${list([...required, ...optional])}; ${list(unknown)} is not one of them.`, { unknown })
    }
    for (const role of required) {
      if (inputs[role] === undefined) throw new W3aiError('COMPUTE_BAD_INPUT', `A ${name} job needs a "${role}" input (the CID of a stored object).`, { missing: role })
    }
    const p = params ?? {}
    if (!isRecord(p)) throw new W3aiError('VALIDATION_FAILED', `The params of a ${name} job must be an object with ${list(d.paramKeys)}.`)
    const extra = Object.keys(p).filter((key) => !d.paramKeys.includes(key))
    if (extra.length > 0) throw new W3aiError('VALIDATION_FAILED', `A ${name} job takes the params ${list(d.paramKeys)}; ${list(extra)} is not one of them.`, { unknown: extra })
    d.validate(p, inputs)
  }

  /** The part of a result replicas must reproduce (what the hub digests). */
  deterministic(name: string, result: unknown): unknown {
    const d = this.#byName.get(name)
    return d?.deterministic === undefined ? result : d.deterministic(result)
  }

  /** Whether two results of this executor agree within `tolerance`. */
  compare(name: string, a: unknown, b: unknown, tolerance: number): boolean {
    return this.get(name).compare(a, b, tolerance)
  }
}

/** A registry of the built-in executors (a fresh one each call: register test executors freely). */
export function builtinExecutors(): ExecutorDescriptors {
  return new ExecutorDescriptors(BUILTIN_DESCRIPTORS)
}
