/**
 * How a claimed task runs: its stored inputs opened into the executor's payload, then one fresh
 * sandboxed child process per task. The agent takes another ExecuteTask through its components
 * (tests inject faulty or counting ones; production has no test switches).
 */
import { builtinExecutors, runSandboxed, type ExecutorDescriptor, type SandboxLimits } from '@w3ai/compute'
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

/** The executors this node knows (their descriptors build payloads and shape results). */
const EXECUTORS = builtinExecutors()

/** Executors the sandbox runs for claimed tasks: every registered descriptor. */
export const RUNNABLE_EXECUTORS: ReadonlySet<string> = new Set(EXECUTORS.names())

/** The default: the task's payload run in a fresh sandboxed child process, its result as JSON. */
export const sandboxExecute: ExecuteTask = async (task, { open, limits, signal, onProgress }) => {
  const descriptor = descriptorOf(task)
  const payload = await payloadOf(task, open)
  const { result } = await runSandboxed({ executor: task.executor, payload, limits, signal, onProgress })
  return descriptor.toJson === undefined ? result : descriptor.toJson(result)
}

/** What the executor needs, with every stored input opened (its descriptor says how). */
export async function payloadOf(task: ClaimedTask, open: TaskContext['open']): Promise<unknown> {
  return descriptorOf(task).payload((task.params ?? {}) as Record<string, unknown>, open)
}

function descriptorOf(task: ClaimedTask): ExecutorDescriptor {
  if (!EXECUTORS.has(task.executor)) throw new W3aiError('VALIDATION_FAILED', `This node cannot run ${task.executor} tasks.`)
  return EXECUTORS.get(task.executor)
}
