/**
 * The node's CKKS encryptors, one per training it takes part in under `secure: "ckks"`. Most of
 * encrypting an update is SEAL encrypting zeros; after sending an update the encryptor prepares
 * that randomness for the next round in the background (while the other clients, the aggregator
 * and the owner finish the round), so a round only encodes and adds. A few trainings are kept;
 * the oldest is closed (its prepared randomness wiped) when another joins, and all on stop.
 */
import type { CkksPublicKey } from '@w3ai/crypto/ckks'
import type { EncryptedUpdate, UpdateEncryptor } from '@w3ai/federated/he'
import type { Parameters } from '@w3ai/federated'

/** Trainings whose encryptor is kept at once. */
const KEPT = 4

interface Kept {
  keyId: string
  encryptor: UpdateEncryptor
  preparing: Promise<void>
}

export class CkksUpdates {
  private readonly kept = new Map<string, Kept>()

  constructor(private readonly onError: (err: unknown) => void) {}

  /** Encrypts a trained update for `trainingId` under the owner's `publicKey`, then prepares the next one. */
  async encrypt(trainingId: string, publicKey: CkksPublicKey, parameters: Parameters, numExamples: number): Promise<EncryptedUpdate> {
    const entry = await this.entry(trainingId, publicKey)
    // A preparation still running for this round finishes first: its randomness is used now.
    await entry.preparing
    const update = entry.encryptor.encrypt(parameters, numExamples)
    const count = parameters.reduce((n, p) => n + p.length, 0)
    entry.preparing = entry.encryptor.prepare(count).catch(this.onError)
    return update
  }

  /** Closes every encryptor (prepared randomness wiped). */
  async close(): Promise<void> {
    const entries = [...this.kept.values()]
    this.kept.clear()
    for (const e of entries) {
      e.encryptor.close()
      await e.preparing
    }
  }

  private async entry(trainingId: string, publicKey: CkksPublicKey): Promise<Kept> {
    const existing = this.kept.get(trainingId)
    if (existing !== undefined && existing.keyId === publicKey.keyId) {
      // Most recently used last, so the oldest goes first.
      this.kept.delete(trainingId)
      this.kept.set(trainingId, existing)
      return existing
    }
    existing?.encryptor.close()
    this.kept.delete(trainingId)
    const { UpdateEncryptor } = await import('@w3ai/federated/he')
    const entry: Kept = { keyId: publicKey.keyId, encryptor: await UpdateEncryptor.create(publicKey), preparing: Promise.resolve() }
    this.kept.set(trainingId, entry)
    while (this.kept.size > KEPT) {
      const [oldest, e] = this.kept.entries().next().value as [string, Kept]
      this.kept.delete(oldest)
      e.encryptor.close()
    }
    return entry
  }
}
