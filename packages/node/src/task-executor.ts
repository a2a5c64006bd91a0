/**
 * How a claimed task runs: its stored inputs opened into the executor's payload, then one fresh
 * sandboxed child process per task. The agent takes another ExecuteTask through its components
 * (tests inject faulty or counting ones; production has no test switches).
 */
import { runSandboxed, type SandboxLimits } from '@w3ai/compute'
import { W3aiError, type ClaimedTask } from '@w3ai/protocol'

/** What a task run gets besides the task. */
export interface TaskContext {
  /** A stored input by role ('model', 'input', …), fetched, verified and decrypted; undefined when absent. */
  open: (role: string) => Promise<Buffer | undefined>
  limits: SandboxLimits
  signal: AbortSignal
  onProgress: (data: unknown) => void
}

/** Runs a task; resolves with the result as it goes to the hub (JSON: bytes as base64). */
export type ExecuteTask = (task: ClaimedTask, context: TaskContext) => Promise<unknown>

/** Executors the sandbox runs for claimed tasks. */
export const RUNNABLE_EXECUTORS: ReadonlySet<string> = new Set(['onnx', 'train', 'wasm'])

/** The default: the task's payload run in a fresh sandboxed child process. */
export const sandboxExecute: ExecuteTask = async (task, { open, limits, signal, onProgress }) => {
  const payload = await payloadOf(task, open)
  const { result } = await runSandboxed({ executor: task.executor, payload, limits, signal, onProgress })
  return shapeResult(task.executor, result)
}

/** What the executor needs, with every stored input opened. */
export async function payloadOf(task: ClaimedTask, open: TaskContext['open']): Promise<unknown> {
  const params = (task.params ?? {}) as Record<string, unknown>
  switch (task.executor) {
    case 'wasm': {
      const module = await open('module')
      if (module === undefined) throw new W3aiError('COMPUTE_BAD_INPUT', 'A wasm job needs a module input.')
      return { module, stdin: (await open('input')) ?? new Uint8Array(), args: Array.isArray(params.args) ? params.args.map(String) : [] }
    }
    case 'onnx': {
      const model = await open('model')
      if (model === undefined) throw new W3aiError('COMPUTE_BAD_INPUT', 'An onnx job needs a model input.')
      const stored = await open('input')
      const inputs = stored === undefined ? params.tensors : JSON.parse(stored.toString('utf8'))
      return { model, inputs }
    }
    case 'train': {
      const dataset = await open('dataset')
      if (dataset === undefined) throw new W3aiError('COMPUTE_BAD_INPUT', 'A train job needs a dataset input.')
      return { spec: params.spec, dataset, ...(params.csv === undefined ? {} : { csv: params.csv }) }
    }
    default:
      throw new W3aiError('VALIDATION_FAILED', `This node cannot run ${task.executor} tasks.`)
  }
}

/** Results travel as JSON: bytes become base64. */
function shapeResult(executor: string, result: unknown): unknown {
  if (executor === 'wasm') {
    const r = result as { stdout: Uint8Array; stderr: string; stderrTruncated: boolean }
    return { stdout: Buffer.from(r.stdout).toString('base64'), stderr: r.stderr, stderrTruncated: r.stderrTruncated }
  }
  return result
}
