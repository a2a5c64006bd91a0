/**
 * Checks feeds against the model's declared inputs before onnxruntime sees them: its own errors
 * are terse C++ messages, and a user should learn which input is wrong and what was expected.
 */
import type { Tensor } from 'onnxruntime-node'
import { executorError } from '../errors.js'

/** One model input or output as the runner describes it; string or negative dims are free. */
export interface ModelIo {
  name: string
  type: string
  shape: Array<number | string>
}

/** True when a declared dim accepts any size. */
export function isFreeDim(dim: number | string | undefined): boolean {
  return typeof dim === 'string' || dim === undefined || dim < 0
}

/** Throws COMPUTE_BAD_INPUT / COMPUTE_SHAPE_MISMATCH when feeds do not fit the model's inputs. */
export function checkFeeds(expected: readonly ModelIo[], feeds: Record<string, Tensor>): void {
  const names = expected.map((io) => io.name)
  const unknown = Object.keys(feeds).filter((name) => !names.includes(name))
  if (unknown.length > 0) {
    throw executorError('COMPUTE_BAD_INPUT', `Unknown input(s) ${unknown.map((n) => `"${n}"`).join(', ')}; the model takes ${names.map((n) => `"${n}"`).join(', ')}.`, { unknown, expected: names })
  }
  const missing = names.filter((name) => feeds[name] === undefined)
  if (missing.length > 0) {
    throw executorError('COMPUTE_BAD_INPUT', `Missing input(s) ${missing.map((n) => `"${n}"`).join(', ')}.`, { missing, expected: names })
  }
  // A symbolic dim (e.g. 'batch') must have one size across all inputs that use it.
  const symbols = new Map<string, { size: number; input: string }>()
  for (const io of expected) {
    const tensor = feeds[io.name] as Tensor
    if (tensor.type !== io.type) {
      throw executorError('COMPUTE_BAD_INPUT', `Input "${io.name}" must be ${io.type}, got ${tensor.type}.`, { input: io.name, expected: io.type, actual: tensor.type })
    }
    if (io.shape.length === 0 && tensor.dims.length === 0) continue
    const shapeText = `[${io.shape.join(', ')}]`
    if (io.shape.length > 0 && tensor.dims.length !== io.shape.length) {
      throw executorError('COMPUTE_SHAPE_MISMATCH', `Input "${io.name}" must have shape ${shapeText} (rank ${io.shape.length}), got [${tensor.dims.join(', ')}].`, { input: io.name, expected: io.shape, actual: tensor.dims })
    }
    io.shape.forEach((dim, axis) => {
      const size = tensor.dims[axis] as number
      if (typeof dim === 'string') {
        const seen = symbols.get(dim)
        if (seen !== undefined && seen.size !== size) {
          throw executorError('COMPUTE_SHAPE_MISMATCH', `Dimension "${dim}" is ${seen.size} in input "${seen.input}" but ${size} in input "${io.name}".`, { input: io.name, dim })
        }
        symbols.set(dim, { size, input: io.name })
      } else if (!isFreeDim(dim) && dim !== size) {
        throw executorError('COMPUTE_SHAPE_MISMATCH', `Input "${io.name}" must have shape ${shapeText}; axis ${axis} is ${size}, expected ${dim}.`, { input: io.name, axis, expected: io.shape, actual: tensor.dims })
      }
    })
  }
}
