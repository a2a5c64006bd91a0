/**
 * Refuses a job that cannot run, at submission and before it is queued: input roles per executor,
 * the params each executor takes (train spec, inline onnx tensors, wasm args) and their size. The
 * checks are the compute package's own (light subpath imports: no TF.js, no onnxruntime), so the
 * hub answers with the code and message a node would fail the job with. Whether inputs fit the
 * model can only be told on a node (the hub cannot open the encrypted model): COMPUTE_SHAPE_MISMATCH.
 */
import { checkJsonTensorMap } from '@w3ai/compute/json-tensor'
import { validateTrainSpec } from '@w3ai/compute/train-spec'
import { MAX_BODY_BYTES, W3aiError, type JobExecutor, type JobSubmit } from '@w3ai/protocol'

/** Params travel in the submit request, so they are capped like its body (256 KiB of JSON). */
export const MAX_PARAMS_BYTES = MAX_BODY_BYTES
/** Elements across all inline tensors (64 Ki: about what fits the params cap); larger inputs go to W3S as "input". */
export const MAX_INLINE_ELEMENTS = 1 << 16
export const MAX_WASM_ARGS = 64
export const MAX_WASM_ARG_CHARS = 4096

interface Rules {
  /** Input roles: required first, then optional. */
  roles: { required: readonly string[]; optional: readonly string[] }
  /** Keys params may have (params itself is optional and must be an object). */
  params: readonly string[]
  check: (params: Record<string, unknown>, inputs: Record<string, string>) => void
}

const RULES: Record<JobExecutor, Rules> = {
  onnx: { roles: { required: ['model'], optional: ['input'] }, params: ['tensors'], check: checkOnnx },
  train: { roles: { required: ['dataset'], optional: [] }, params: ['spec', 'csv'], check: checkTrain },
  wasm: { roles: { required: ['module'], optional: ['input'] }, params: ['args'], check: checkWasm },
}

const list = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ')
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)

/** Throws the stable code of the first problem with a submission; returns when the job may be queued. */
export function validateJob(body: Pick<JobSubmit, 'executor' | 'inputs' | 'params'>): void {
  const rules = Object.hasOwn(RULES, body.executor) ? RULES[body.executor] : undefined
  if (rules === undefined) throw new W3aiError('VALIDATION_FAILED', `Unknown executor ${JSON.stringify(body.executor)}; use one of ${list(Object.keys(RULES))}.`)
  checkParamsSize(body.params)
  const { required, optional } = rules.roles
  const unknown = Object.keys(body.inputs).filter((role) => !required.includes(role) && !optional.includes(role))
  if (unknown.length > 0) {
    throw new W3aiError('VALIDATION_FAILED', `A ${body.executor} job takes the input role(s) ${list([...required, ...optional])}; ${list(unknown)} is not one of them.`, { unknown })
  }
  for (const role of required) {
    if (body.inputs[role] === undefined) throw new W3aiError('COMPUTE_BAD_INPUT', `A ${body.executor} job needs a "${role}" input (the CID of a stored object).`, { missing: role })
  }
  const params = body.params ?? {}
  if (!isObject(params)) throw new W3aiError('VALIDATION_FAILED', `The params of a ${body.executor} job must be an object with ${list(rules.params)}.`)
  const extra = Object.keys(params).filter((key) => !rules.params.includes(key))
  if (extra.length > 0) throw new W3aiError('VALIDATION_FAILED', `A ${body.executor} job takes the params ${list(rules.params)}; ${list(extra)} is not one of them.`, { unknown: extra })
  rules.check(params, body.inputs)
}

function checkParamsSize(params: unknown): void {
  let bytes: number
  try {
    bytes = Buffer.byteLength(JSON.stringify(params ?? null))
  } catch (err) {
    throw new W3aiError('VALIDATION_FAILED', `The params are not JSON: ${(err as Error).message}`)
  }
  if (bytes > MAX_PARAMS_BYTES) {
    throw new W3aiError('COMPUTE_INPUT_TOO_LARGE', `The params are ${bytes} bytes of JSON; the limit is ${MAX_PARAMS_BYTES}. Store large inputs in W3S and pass their CID.`, { bytes, limit: MAX_PARAMS_BYTES })
  }
}

function checkOnnx(params: Record<string, unknown>, inputs: Record<string, string>): void {
  const stored = inputs['input'] !== undefined
  const inline = params['tensors'] !== undefined
  if (stored === inline) {
    const which = stored ? 'both a stored "input" and params.tensors' : 'neither a stored "input" nor params.tensors'
    throw new W3aiError('COMPUTE_BAD_INPUT', `An onnx job takes its tensors from a stored "input" object or inline as params.tensors, exactly one of the two; it has ${which}.`)
  }
  if (!inline) return
  const tensors = checkJsonTensorMap(params['tensors'], MAX_INLINE_ELEMENTS)
  const elements = Object.values(tensors).reduce((sum, t) => sum + t.data.length, 0)
  if (elements > MAX_INLINE_ELEMENTS) {
    throw new W3aiError('COMPUTE_INPUT_TOO_LARGE', `The inline tensors hold ${elements} elements in all; the limit is ${MAX_INLINE_ELEMENTS}. Store them in W3S and pass their CID as "input".`, { elements, limit: MAX_INLINE_ELEMENTS })
  }
}

function checkTrain(params: Record<string, unknown>): void {
  validateTrainSpec(params['spec'])
  const csv = params['csv']
  if (csv === undefined) return
  const bad = (message: string): never => {
    throw new W3aiError('COMPUTE_BAD_INPUT', `params.csv${message}`)
  }
  if (!isObject(csv)) bad(' must be an object { header?, labelColumn?, delimiter? }.')
  const { header, labelColumn, delimiter, ...rest } = csv as Record<string, unknown>
  if (Object.keys(rest).length > 0) bad(`: unknown option(s) ${list(Object.keys(rest))}; use header, labelColumn or delimiter.`)
  if (header !== undefined && typeof header !== 'boolean') bad('.header must be true or false.')
  const labelOk = labelColumn === undefined || (typeof labelColumn === 'string' && labelColumn.length > 0 && labelColumn.length <= 256) || Number.isSafeInteger(labelColumn)
  if (!labelOk) bad('.labelColumn must be a column name or a 0-based index (negative counts from the end).')
  if (delimiter !== undefined && delimiter !== ',' && delimiter !== ';' && delimiter !== '\t') bad('.delimiter must be ",", ";" or a tab.')
}

function checkWasm(params: Record<string, unknown>): void {
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
}
