/**
 * The `train` executor: TF.js training from a layer spec on a stored CSV dataset.
 *
 * Replicas agree on the deterministic part of a result: seeded training on one backend gives the
 * same history, weights and ONNX export bit for bit (checked in train-descriptor.test.ts), but the
 * wall-clock `durationMs` differs on every run, so it is left out. With a job tolerance above 0,
 * metrics, scaling and weights (TF.js and the ONNX initializers) agree within it and everything
 * else must be equal.
 */
import { W3aiError } from '@w3ai/protocol'
import { childModule } from '../sandbox/child-build.js'
import { onnx } from '../onnx/proto.js'
import { validateTrainSpec } from '../train/spec.js'
import { agree, base64Floats, bytesFloats, floatsAgree } from './compare.js'
import type { ExecutorDescriptor } from './descriptor.js'

/** Result fields that measure the run rather than its outcome; never compared. */
export const TRAIN_TIMING_FIELDS = ['durationMs'] as const

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const list = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ')

function checkCsvOptions(csv: unknown): void {
  if (csv === undefined) return
  const bad = (message: string): never => {
    throw new W3aiError('COMPUTE_BAD_INPUT', `params.csv${message}`)
  }
  if (!isRecord(csv)) bad(' must be an object { header?, labelColumn?, delimiter? }.')
  const { header, labelColumn, delimiter, ...rest } = csv as Record<string, unknown>
  if (Object.keys(rest).length > 0) bad(`: unknown option(s) ${list(Object.keys(rest))}; use header, labelColumn or delimiter.`)
  if (header !== undefined && typeof header !== 'boolean') bad('.header must be true or false.')
  const labelOk = labelColumn === undefined || (typeof labelColumn === 'string' && labelColumn.length > 0 && labelColumn.length <= 256) || Number.isSafeInteger(labelColumn)
  if (!labelOk) bad('.labelColumn must be a column name or a 0-based index (negative counts from the end).')
  if (delimiter !== undefined && delimiter !== ',' && delimiter !== ';' && delimiter !== '\t') bad('.delimiter must be ",", ";" or a tab.')
}

/** The result without its timing fields. */
function deterministic(result: unknown): unknown {
  if (!isRecord(result)) return result
  const out = { ...result }
  for (const field of TRAIN_TIMING_FIELDS) delete out[field]
  return out
}

/** Two ONNX exports agree when their graphs are equal and their float initializers agree within `tolerance`. */
function onnxAgree(a: unknown, b: unknown, tolerance: number): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return a === b
  if (a === b) return true
  try {
    const ma = onnx.ModelProto.decode(Buffer.from(a, 'base64'))
    const mb = onnx.ModelProto.decode(Buffer.from(b, 'base64'))
    const ia = ma.graph?.initializer ?? []
    const ib = mb.graph?.initializer ?? []
    if (ia.length !== ib.length) return false
    for (let i = 0; i < ia.length; i++) {
      const ra = ia[i]!.rawData
      const rb = ib[i]!.rawData
      if (ra !== null && ra !== undefined && rb !== null && rb !== undefined && ia[i]!.dataType === onnx.TensorProto.DataType.FLOAT) {
        const fa = bytesFloats(ra)
        const fb = bytesFloats(rb)
        if (fa === undefined || fb === undefined || !floatsAgree(fa, fb, tolerance)) return false
        ia[i]!.rawData = new Uint8Array()
        ib[i]!.rawData = new Uint8Array()
      }
    }
    return Buffer.from(onnx.ModelProto.encode(ma).finish()).equals(Buffer.from(onnx.ModelProto.encode(mb).finish()))
  } catch {
    return false
  }
}

export const trainDescriptor: ExecutorDescriptor = {
  name: 'train',
  inputRoles: { required: ['dataset'], optional: [] },
  paramKeys: ['spec', 'csv'],
  validate(params) {
    validateTrainSpec(params['spec'])
    checkCsvOptions(params['csv'])
  },
  resources: () => ({}),
  sandbox: () => ({ module: childModule('./train-task.js', import.meta.url), exportName: 'trainTaskExecutor' }),
  async payload(params, open) {
    const dataset = await open('dataset')
    if (dataset === undefined) throw new W3aiError('COMPUTE_BAD_INPUT', 'A train job needs a dataset input.')
    return { spec: params['spec'], dataset, ...(params['csv'] === undefined ? {} : { csv: params['csv'] }) }
  },
  deterministic,
  compare(a, b, tolerance) {
    const x = deterministic(a)
    const y = deterministic(b)
    if (tolerance === 0 || !isRecord(x) || !isRecord(y)) return agree(x, y, 0)
    const { onnx: ox, tfjs: tx, ...restX } = x
    const { onnx: oy, tfjs: ty, ...restY } = y
    if (!agree(restX, restY, tolerance) || !onnxAgree(ox, oy, tolerance)) return false
    if (!isRecord(tx) || !isRecord(ty)) return agree(tx, ty, 0)
    const { weightsBin: wx, ...modelX } = tx
    const { weightsBin: wy, ...modelY } = ty
    if (!agree(modelX, modelY, 0)) return false
    if (typeof wx !== 'string' || typeof wy !== 'string') return wx === wy
    const fx = base64Floats(wx)
    const fy = base64Floats(wy)
    return fx !== undefined && fy !== undefined && floatsAgree(fx, fy, tolerance)
  },
}
