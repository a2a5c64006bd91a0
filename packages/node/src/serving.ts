/**
 * The node's model serving: keeps loaded the models of the deployments the hub assigned to it
 * (fetched from W3S and opened with the key the owner wrapped to this node), reports each as ready
 * or failed, unloads those that stopped, and answers inference requests the hub forwards.
 */
import type { CheckedTensor, InferResult, ModelHost, TensorResult } from '@w3ai/compute'
import { W3aiError, type ServingAssignment } from '@w3ai/protocol'
import type { ServingNodeClient, TaskClient } from '@w3ai/sdk'
import type { Logger } from 'pino'
import type { ObjectCache } from './object-cache.js'

export interface ServingAgentComponents {
  client: ServingNodeClient
  /** Opens the model input like a task input. */
  tasks: Pick<TaskClient, 'openInput'>
  /** Opened models shared with the task runner. */
  objects?: ObjectCache
  host: ModelHost
  /** How often to ask the hub what to serve. */
  pollMs: number
  log: Logger
}

export class ServingAgent {
  private timer: NodeJS.Timeout | undefined
  private stopped = true
  private readonly loading = new Map<string, Promise<void>>()
  /** Deployments this node could not load; not retried until the hub stops assigning them. */
  private readonly failed = new Set<string>()

  constructor(private readonly c: ServingAgentComponents) {}

  start(): void {
    this.stopped = false
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    await Promise.allSettled(this.loading.values())
    await this.c.host.close()
  }

  infer(deploymentId: string, inputs: unknown): Promise<InferResult> {
    return this.c.host.infer(deploymentId, inputs)
  }

  /** Runs typed-array inputs (a binary frame's); the outputs stay typed arrays. */
  inferTensors(deploymentId: string, inputs: Record<string, CheckedTensor>): Promise<TensorResult> {
    return this.c.host.inferTensors(deploymentId, inputs)
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => void this.sync().finally(() => this.schedule(this.c.pollMs)), ms)
    this.timer.unref()
  }

  /** One round: load what is newly assigned, unload what is no longer. */
  async sync(): Promise<void> {
    let assignments: ServingAssignment[]
    try {
      assignments = await this.c.client.assignments()
    } catch (err) {
      this.c.log.debug({ err: String(err) }, 'serving assignments unavailable; will retry')
      return
    }
    const wanted = new Set(assignments.map((a) => a.deploymentId))
    const loaded = new Set(this.c.host.loaded())
    for (const id of loaded) {
      if (!wanted.has(id)) {
        await this.c.host.unload(id)
        this.c.log.info({ deploymentId: id }, 'model unloaded')
      }
    }
    for (const id of this.failed) if (!wanted.has(id)) this.failed.delete(id)
    for (const a of assignments) {
      if (loaded.has(a.deploymentId) || this.loading.has(a.deploymentId) || this.failed.has(a.deploymentId)) continue
      const loading = this.load(a).finally(() => this.loading.delete(a.deploymentId))
      this.loading.set(a.deploymentId, loading)
    }
  }

  private async load(a: ServingAssignment): Promise<void> {
    const log = this.c.log.child({ deploymentId: a.deploymentId, model: a.model })
    try {
      const open = async (): Promise<Buffer> => this.c.tasks.openInput(await this.c.client.model(a.deploymentId))
      const bytes = this.c.objects === undefined ? await open() : await this.c.objects.get(a.model, open)
      const info = await this.c.host.load(a.deploymentId, bytes, a.maxBatch)
      await this.c.client.report(a.deploymentId, { state: 'ready', io: { inputs: info.inputs, outputs: info.outputs } })
      log.info({ inputs: info.inputs.map((i) => i.name) }, 'model loaded; serving')
    } catch (err) {
      this.failed.add(a.deploymentId)
      const code = err instanceof W3aiError ? err.code : 'COMPUTE_MODEL_INVALID'
      log.warn({ code, err: String(err) }, 'model could not be loaded')
      await this.c.client.report(a.deploymentId, { state: 'failed', error: { code, message: String((err as Error).message ?? err).slice(0, 2000) } }).catch(() => undefined)
    }
  }
}
