/**
 * Test kit for the federated domain without TF.js: simulated nodes that hold datasets, stay
 * online over the real heartbeat socket, and answer federated work with arithmetic a test can
 * check (each client adds its own offset to the parameters it was sent).
 */
import { generateIdentity, unwrapKey, type Identity } from '@w3ai/crypto'
import { SecAggClient, type SecAggStage } from '@w3ai/federated'
import type { DatasetAnnouncement, FlConfig, FlSealedParameters, FlWork, FlWorkReply, WrappedKey } from '@w3ai/protocol'
import { encodeParameters, FederatedClient, FederatedWorkClient, HubClient, openParameters, simulateNode, type SimulatedNode } from '@w3ai/sdk'
import { sampleRegistration, startTestHub, type TestHub } from './helpers.js'

const SECAGG_ORDER: readonly SecAggStage[] = ['setup', 'share-keys', 'collect-masked-vectors', 'unmask']

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
  /** Under secagg+: the stage from which this node goes silent (it answered every earlier one). */
  dropAt: SecAggStage | undefined
  stop(): Promise<void>
}

/** A simulated online node holding `datasets` that answers federated work: train adds `offset`, evaluate reports accuracy 0.5 + round / 100. */
export async function fakeNode(hubUrl: string, datasets: DatasetAnnouncement[], offset: number, pollMs = 50, location?: { lat: number; lon: number }): Promise<FakeNode> {
  const identity = generateIdentity('node')
  const registration = sampleRegistration()
  const sim = await simulateNode(hubUrl, { ...registration, encryptionKey: identity.encryptionKey, ...(location === undefined ? {} : { location: { ...registration.location, ...location } }), datasets } as never, identity)
  await sim.connect()
  sim.startBeating(200)
  const work = new FederatedWorkClient(new HubClient({ url: hubUrl, retry: false }), identity)
  let running = true
  const node: FakeNode = {
    sim,
    seen: [],
    answering: true,
    dropAt: undefined,
    async stop() {
      running = false
      await loop
      sim.close()
    },
  }
  const mixed = async (id: string, mix: Array<{ digest: string; weight: number }>): Promise<Float32Array[]> => {
    const models = await Promise.all(mix.map((m) => work.parameters(id, m.digest)))
    return models[0]!.map((t, k) => t.map((_, i) => mix.reduce((sum, m, j) => sum + m.weight * models[j]![k]![i]!, 0)))
  }
  // Secure aggregation: the update stays here and only leaves masked, stage by stage.
  const secure = new Map<string, { client: SecAggClient; update: { parameters: Float32Array[]; numExamples: number } }>()
  const answer = async (w: FlWork): Promise<FlWorkReply> => {
    if (w.kind === 'init') return { outcome: 'ok', numExamples: 0, parameters: encodeParameters(INITIAL) }
    if (w.kind === 'secagg') {
      const held = secure.get(`${w.trainingId}/${w.round}/${w.clientId}`)
      const m = w.message as { stage: SecAggStage }
      if (held === undefined) throw new Error('no update held')
      const c = held.client
      const reply = m.stage === 'setup' ? c.setup(m as never) : m.stage === 'share-keys' ? c.shareKeys(m as never) : m.stage === 'collect-masked-vectors' ? c.collect(m as never, held.update) : c.unmask(m as never)
      return { outcome: 'ok', message: reply }
    }
    // Decentralized: average the models the plan names, weighted, then train from that.
    const message = w.message as { mix?: Array<{ digest: string; weight: number }>; sealed?: FlSealedParameters; sealedRound?: number; modelKey?: WrappedKey; publicKey?: unknown } | undefined
    const mix = message?.mix
    // Under ckks: the owner's sealed parameters, opened with the model key wrapped to this node.
    const params =
      message?.sealed !== undefined ? openParameters(unwrapKey(message.modelKey as WrappedKey, identity), message.sealed, w.trainingId, message.sealedRound as number)
      : mix === undefined ? await work.parameters(w.id)
      : await mixed(w.id, mix)
    const rows = datasets.find((d) => d.name === w.dataset)?.rows ?? 1
    if (w.kind === 'evaluate') return { outcome: 'ok', numExamples: rows, loss: 1 / w.round, metrics: { accuracy: 0.5 + w.round / 100 } }
    const trained = params.map((t) => t.map((v) => v + offset))
    if (w.config.secure === 'ckks') {
      const { encryptUpdate } = await import('@w3ai/federated/he')
      return { outcome: 'ok', numExamples: rows, loss: 1, metrics: { accuracy: 0.4 }, message: await encryptUpdate(message?.publicKey as never, trained, rows) }
    }
    if (w.config.secure === 'secagg+') {
      // The hub's rounds sign their keys: the client's id (`<nodeId>/<dataset>`) belongs to this node's identity.
      secure.set(`${w.trainingId}/${w.round}/${w.clientId}`, { client: new SecAggClient(w.clientId, { identity }), update: { parameters: trained, numExamples: rows } })
      return { outcome: 'ok', numExamples: rows, loss: 1, metrics: { accuracy: 0.4 } }
    }
    return { outcome: 'ok', numExamples: rows, loss: 1, metrics: { accuracy: 0.4 }, parameters: encodeParameters(trained) }
  }
  const loop = (async () => {
    while (running) {
      // A restarted hub closed the heartbeat socket: come back online.
      if (sim.socket?.readyState !== 1) await sim.connect().catch(() => undefined)
      const claimed = await work.claim({ datasets: datasets.map((d) => d.name), capacity: 4 }).catch(() => [] as FlWork[])
      for (const w of claimed) {
        node.seen.push(w)
        // FL_WORK_LOST (the round ended, the training stopped): nothing to answer.
        const silent = !node.answering || (w.kind === 'secagg' && node.dropAt !== undefined && SECAGG_ORDER.indexOf((w.message as { stage: SecAggStage }).stage) >= SECAGG_ORDER.indexOf(node.dropAt))
        if (!silent) await answer(w).then((reply) => work.reply(w.id, reply)).catch(() => undefined)
      }
      await new Promise((r) => setTimeout(r, pollMs))
    }
  })()
  return node
}

/** What every federated hub test starts from: a test hub on PGlite and an owner account with its clients. */
export async function ownerHub(owner: Identity = generateIdentity('account')): Promise<{ t: TestHub; hub: HubClient; fl: FederatedClient }> {
  const t = await startTestHub('pglite', { heartbeatIntervalMs: 200 })
  const hub = new HubClient({ url: t.hub.url, identity: owner })
  await hub.createAccount()
  return { t, hub, fl: new FederatedClient(hub) }
}

/** Stops a test's fake nodes; returns the empty list to start the next test with. */
export async function stopNodes(nodes: readonly FakeNode[]): Promise<FakeNode[]> {
  await Promise.all(nodes.map((n) => n.stop()))
  return []
}
