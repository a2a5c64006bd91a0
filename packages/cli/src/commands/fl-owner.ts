/**
 * The owner's side of a CKKS training. The owner's machine makes the CKKS key pair and a model
 * key, keeps them (and the latest global parameters) in `<home>/fl/<training id>.json` (0600), and
 * for every round: fetches the encrypted aggregate, decrypts the example-weighted mean (only its
 * secret key can), applies the strategy, seals the next parameters with the model key and posts
 * them with the model key wrapped to the training's nodes. The hub relays both and reads neither.
 */
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { toBase64Url, fromBase64Url, wrapKey } from '@w3ai/crypto'
import { createStrategy, isCheckpointable, type Strategy, type StrategyCheckpoint } from '@w3ai/federated'
import { W3aiError, type FlTraining } from '@w3ai/protocol'
import { decodeParameters, encodeParameters, sealParameters, type FederatedClient, type HubClient } from '@w3ai/sdk'

/** How often, and how soon, a failed answer to a round is tried again (the pause grows to 5x). */
export const OWNER_RETRY = Object.freeze({ attempts: 8, pauseMs: 1000 })

/**
 * Answers the round `training` waits for, trying again after a failure (a lost connection, a busy
 * hub): while the hub waits for the owner nothing about the training changes, so no later update
 * would bring another try and the round would wait out the hub's owner timeout. Each retry reads
 * the training again and stops once no round waits; `onFailure` hears every failed try.
 */
export async function answerRound(
  step: (training: FlTraining) => Promise<boolean>,
  refresh: () => Promise<FlTraining>,
  training: FlTraining,
  onFailure: (err: unknown, attempt: number) => void,
  retry: { attempts: number; pauseMs: number } = OWNER_RETRY,
): Promise<void> {
  let current = training
  for (let attempt = 1; ; attempt++) {
    try {
      await step(current)
      return
    } catch (err) {
      onFailure(err, attempt)
      if (attempt >= retry.attempts) return
    }
    await new Promise((resolve) => setTimeout(resolve, retry.pauseMs * Math.min(attempt, 5)))
    current = await refresh().catch(() => current)
    if (current.awaitingOwner === null || current.awaitingOwner === undefined) return
  }
}

/** What the owner keeps for one CKKS training. */
export interface OwnerFile {
  trainingId: string
  publicKey: unknown
  secretKey: unknown
  /** 32 bytes, base64url: seals the global parameters for the training's nodes. */
  modelKey: string
  /** The latest global parameters (plaintext, here only) and the round they came from. */
  round: number
  parameters?: { sizes: number[]; data: string }
  strategy?: StrategyCheckpoint
}

const ownerFile = (home: string, trainingId: string): string => join(home, 'fl', `${trainingId}.json`)

/** A fresh CKKS key pair and model key (the secret key and model key never leave this machine). */
export async function newOwnerKeys(): Promise<Pick<OwnerFile, 'publicKey' | 'secretKey' | 'modelKey'>> {
  const { generateJobKeys } = await import('@w3ai/federated/he')
  const { publicKey, secretKey } = await generateJobKeys()
  return { publicKey, secretKey, modelKey: toBase64Url(randomBytes(32)) }
}

export async function saveOwnerFile(home: string, file: OwnerFile): Promise<void> {
  const dir = join(home, 'fl')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700)
  const target = ownerFile(home, file.trainingId)
  const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(temp, JSON.stringify(file) + '\n', { mode: 0o600 })
  await rename(temp, target)
}

export async function loadOwnerFile(home: string, trainingId: string): Promise<OwnerFile> {
  try {
    return JSON.parse(await readFile(ownerFile(home, trainingId), 'utf8')) as OwnerFile
  } catch {
    throw new W3aiError('FL_INVALID_STATE', `No CKKS keys for training ${trainingId} in ${join(home, 'fl')}: only the home that started it (\`w3ai fl run\`) can decrypt its rounds.`)
  }
}

/** Drives the owner's part of a CKKS training: one `step` answers the round that waits, if any. */
export class CkksOwner {
  private strategy: Strategy | undefined

  constructor(
    private readonly fl: FederatedClient,
    private readonly hub: HubClient,
    private readonly home: string,
    private file: OwnerFile,
  ) {}

  /** The latest global parameters this owner published (the final model once the training ends). */
  get parameters(): Float32Array[] | undefined {
    return this.file.parameters === undefined ? undefined : decodeParameters(this.file.parameters)
  }

  private strategyOf(training: FlTraining): Strategy {
    if (this.strategy === undefined) {
      this.strategy = createStrategy(training.config.strategy ?? { name: 'fedavg' })
      if (this.file.strategy !== undefined && isCheckpointable(this.strategy)) this.strategy.restore(this.file.strategy)
    }
    return this.strategy
  }

  /** Answers the round waiting for the owner; false when none waits. */
  async step(training: FlTraining): Promise<boolean> {
    const round = training.awaitingOwner
    if (round === null || round === undefined || round <= this.file.round) return false
    const { decryptMean } = await import('@w3ai/federated/he')
    const waiting = await this.fl.aggregate(training.id)
    const { mean, totalExamples, clients } = await decryptMean(this.file.secretKey as never, waiting.aggregate)
    const current = this.parameters ?? (await this.fl.parameters(training.id)).parameters
    const strategy = this.strategyOf(training)
    if (strategy.linear === undefined) throw new W3aiError('FL_SECURE_NEEDS_LINEAR', `Strategy ${strategy.name} cannot use a securely aggregated mean.`)
    const next = strategy.linear.fromMean(waiting.round, current, mean, totalExamples, clients).parameters ?? current
    const key = fromBase64Url(this.file.modelKey)
    const nodes = [...new Set([...training.clients, ...training.evaluators].map((c) => c.nodeId))]
    const keys = await Promise.all(
      nodes.map(async (nodeId) => {
        const node = await this.hub.getNode(nodeId)
        if (typeof node.encryptionKey !== 'string') throw new W3aiError('FL_INVALID_STATE', `Node ${nodeId} has no encryption key to wrap the model key to.`)
        return { nodeId, wrappedKey: wrapKey(key, node.encryptionKey) }
      }),
    )
    await this.fl.publishGlobal(training.id, { round: waiting.round, sealed: sealParameters(key, next, training.id, waiting.round), keys })
    key.fill(0)
    this.file = { ...this.file, round: waiting.round, parameters: encodeParameters(next), ...(isCheckpointable(strategy) ? { strategy: strategy.checkpoint() } : {}) }
    await saveOwnerFile(this.home, this.file)
    return true
  }
}
