/**
 * Refuses a job that cannot run, at submission and before it is queued. The rules are the
 * executor descriptors' own (@w3ai/compute/executors: input roles, params, the executor's checks;
 * light, no TF.js or onnxruntime), so the hub answers with the code and message a node would fail
 * the job with. The hub adds the size cap on params. Whether inputs fit the model can only be
 * told on a node (the hub cannot open the encrypted model): COMPUTE_SHAPE_MISMATCH.
 */
import { builtinExecutors, type ExecutorDescriptors } from '@w3ai/compute/executors'
import { MAX_BODY_BYTES, W3aiError, type JobSubmit } from '@w3ai/protocol'

export { MAX_INLINE_ELEMENTS, MAX_WASM_ARGS, MAX_WASM_ARG_CHARS } from '@w3ai/compute/executors'

/** Params travel in the submit request, so they are capped like its body (256 KiB of JSON). */
export const MAX_PARAMS_BYTES = MAX_BODY_BYTES

const BUILTIN = builtinExecutors()

/** Throws the stable code of the first problem with a submission; returns when the job may be queued. */
export function validateJob(body: Pick<JobSubmit, 'inputs' | 'params'> & { executor: string }, executors: ExecutorDescriptors = BUILTIN): void {
  executors.get(body.executor)
  checkParamsSize(body.params)
  executors.validate(body.executor, body.params, body.inputs)
}

/**
 * A sealed job (`sealTo`) seals its result to the submitter's own registered key, and runs once:
 * replicas cannot be compared by a hub that cannot read them. VALIDATION_FAILED otherwise.
 */
export function checkSealTo(body: Pick<JobSubmit, 'sealTo' | 'verify'>, accountKey: string | null): void {
  if (body.sealTo === undefined) return
  if (accountKey === null || body.sealTo !== accountKey) {
    throw new W3aiError('VALIDATION_FAILED', accountKey === null
      ? 'sealTo needs an account with an encryption key; register one to receive sealed results.'
      : "sealTo must be your account's own encryption key: a result is sealed to its submitter only.")
  }
  if ((body.verify ?? 1) > 1) {
    throw new W3aiError('VALIDATION_FAILED', `A sealed job runs once (verify 1): the hub cannot compare results it cannot read; this one asks for verify ${body.verify}.`)
  }
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
