/**
 * Test kit for the federated domain without TF.js: simulated nodes that hold datasets, stay
 * online over the real heartbeat socket, and answer federated work with arithmetic a test can
 * check (each client adds its own offset to the parameters it was sent).
 */
import { generateIdentity } from '@w3ai/crypto'
import type { DatasetAnnouncement, FlConfig, FlWork, FlWorkReply } from '@w3ai/protocol'
import { encodeParameters, FederatedWorkClient, HubClient, simulateNode, type SimulatedNode } from '@w3ai/sdk'
import { sampleRegistration } from './helpers.js'

export const SPEC = {
  inputShape: [4],
  layers: [{ type: 'dense', units: 3, activation: 'softmax' }],
  optimizer: { type: 'sgd' },
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
}

export const dataset = (name: string, rows = 10, over: Partial<DatasetAnnouncement['schema']> = {}): DatasetAnnouncement => ({
  name,
  format: 'csv',
  schema: { features: 4, shape: [4], integerLabels: true, maxLabel: 2, ...over },
  rows,
})

export const config = (over: Partial<FlConfig> = {}): FlConfig => ({ model: SPEC, datasets: ['d-0', 'd-1', 'd-2'], evaluation: { dataset: 'd-test' }, rounds: 3, roundTimeoutMs: 20_000, ...over })

/** The initial model every fake client answers for `init`: two tensors of zeros. */
export const INITIAL = [new Float32Array(4), new Float32Array(2)]

export interface FakeNode {
  sim: SimulatedNode
  /** Work this node received, in order. */
  seen: FlWork[]
  /** When false the node claims work but never answers (a client that drops out). */
  answering: boolean
  stop(): Promise<void>
}

/** A simulated online node holding `datasets` that answers federated work: train adds `offset`, evaluate reports accuracy 0.5 + round / 100. */
export async function fakeNode(hubUrl: string, datasets: DatasetAnnouncement[], offset: number, pollMs = 50): Promise<FakeNode> {
  const identity = generateIdentity('node')
  const sim = await simulateNode(hubUrl, { ...sampleRegistration(), datasets } as never, identity)
  await sim.connect()
  sim.startBeating(200)
  const work = new FederatedWorkClient(new HubClient({ url: hubUrl, retry: false }), identity)
  let running = true
  const node: FakeNode = {
    sim,
    seen: [],
    answering: true,
    async stop() {
      running = false
      await loop
      sim.close()
    },
  }
  const answer = async (w: FlWork): Promise<FlWorkReply> => {
    if (w.kind === 'init') return { outcome: 'ok', numExamples: 0, parameters: encodeParameters(INITIAL) }
    const params = await work.parameters(w.id)
    const rows = datasets.find((d) => d.name === w.dataset)?.rows ?? 1
    if (w.kind === 'evaluate') return { outcome: 'ok', numExamples: rows, loss: 1 / w.round, metrics: { accuracy: 0.5 + w.round / 100 } }
    return { outcome: 'ok', numExamples: rows, loss: 1, metrics: { accuracy: 0.4 }, parameters: encodeParameters(params.map((t) => t.map((v) => v + offset))) }
  }
  const loop = (async () => {
    while (running) {
      // A restarted hub closed the heartbeat socket: come back online.
      if (sim.socket?.readyState !== 1) await sim.connect().catch(() => undefined)
      const claimed = await work.claim({ datasets: datasets.map((d) => d.name), capacity: 4 }).catch(() => [] as FlWork[])
      for (const w of claimed) {
        node.seen.push(w)
        // FL_WORK_LOST (the round ended, the training stopped): nothing to answer.
        if (node.answering) await answer(w).then((reply) => work.reply(w.id, reply)).catch(() => undefined)
      }
      await new Promise((r) => setTimeout(r, pollMs))
    }
  })()
  return node
}
