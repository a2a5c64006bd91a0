/**
 * The aggregator's side of SecAgg+: a state machine over the four stages. The caller (the hub)
 * sends `requests()` to the clients, feeds their replies to `receive()`, and calls `advance()` when
 * everyone answered or the stage timed out; whoever has not answered by then has dropped. Masked
 * vectors are added into one running sum as they arrive, so no individual vector is ever kept, and
 * the server only ever holds masked ones. Every refusal leaves the state as it was.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto'
import { combineShares, type SecretShare } from '@w3ai/crypto'
import { W3aiError } from '@w3ai/protocol'
import type { Parameters } from '../types.js'
import { neighbourGraph, neighbourhood } from './graph.js'
import { addInto, checkSignedKeys, isUsablePublicKey, keyPairFromSecret, KEY_BYTES, pairwiseSeed, pairwiseSign, SEALED_SHARE_BYTES, seedCommitment } from './keys.js'
import { applyMasks, type Mask } from './masking.js'
import { dequantizeSum } from './quantize.js'
import {
  decodeWords,
  DOMAIN,
  graphDegree,
  malformed,
  readBytes,
  readRecord,
  resolveSecAggConfig,
  vectorLength,
  type SecAggPublicKeys,
  type SecAggConfig,
  type SecAggOptions,
  type SecAggRequest,
  type SecAggStage,
} from './stages.js'

export interface SecAggServerOptions extends SecAggOptions {
  /** Source of the graph seed; node:crypto by default. */
  randomBytes?: (n: number) => Uint8Array
}

/** What a completed round yields: the example-weighted mean of the survivors' parameters. */
export interface SecAggResult {
  roundId: string
  mean: Parameters
  /** Sum of the survivors' example counts (each capped at maxWeight). */
  totalExamples: number
  /** Clients whose updates are in the mean, sorted. */
  clients: string[]
  /** Clients of the round whose updates are not, sorted. */
  dropped: string[]
}

export type SecAggServerStage = SecAggStage | 'done' | 'failed'

export class SecAggServer {
  readonly config: SecAggConfig
  private readonly random: (n: number) => Uint8Array
  private current: SecAggServerStage = 'setup'
  private failure: W3aiError | undefined
  private outcome: SecAggResult | undefined
  /** Who may answer in the current stage, and who has. */
  private expected: Set<string>
  private readonly answered = new Set<string>()
  private outgoing: Record<string, SecAggRequest> = {}
  private readonly keys = new Map<string, SecAggPublicKeys>()
  private graph = new Map<string, string[]>()
  private readonly sealed = new Map<string, Record<string, string>>()
  private readonly commitments = new Map<string, string>()
  private sharers = new Set<string>()
  private readonly sum: Uint32Array
  /** Where each masked vector is decoded before it is added to the sum. */
  private readonly scratch: Uint32Array
  private readonly unmaskAsked = new Map<string, { active: string[]; dropped: string[] }>()
  private readonly seedShares = new Map<string, SecretShare[]>()
  private readonly keyShares = new Map<string, SecretShare[]>()

  constructor(options: SecAggServerOptions) {
    this.config = resolveSecAggConfig(options)
    this.random = options.randomBytes ?? cryptoRandomBytes
    this.sum = new Uint32Array(vectorLength(this.config))
    this.scratch = new Uint32Array(this.sum.length)
    this.expected = new Set(this.config.clients)
    for (const id of this.config.clients) this.outgoing[id] = { roundId: this.config.roundId, stage: 'setup', config: this.config }
  }

  get stage(): SecAggServerStage {
    return this.current
  }

  /** Why the round failed, once it has. */
  get error(): W3aiError | undefined {
    return this.failure
  }

  /** The current stage's request for each client still in the round (the same on every call). */
  requests(): Record<string, SecAggRequest> {
    return this.current === 'done' || this.current === 'failed' ? {} : { ...this.outgoing }
  }

  /** Clients the current stage still waits for. */
  pending(): string[] {
    return [...this.expected].filter((id) => !this.answered.has(id)).sort()
  }

  /** Takes one client's reply (parsed JSON); refuses wrong rounds, stages, senders, replays and malformed bodies. */
  receive(reply: unknown): void {
    if (typeof reply !== 'object' || reply === null) throw malformed('message', 'is not an object')
    const { roundId, stage, clientId } = reply as { roundId?: unknown; stage?: unknown; clientId?: unknown }
    if (roundId !== this.config.roundId) throw new W3aiError('FL_SECAGG_WRONG_ROUND', `this is round ${this.config.roundId}, not ${String(roundId)}`)
    if (stage !== this.current) throw new W3aiError('FL_SECAGG_WRONG_STAGE', `the round is at ${this.current}, not ${String(stage)}`, { expected: this.current, actual: stage })
    if (typeof clientId !== 'string' || !this.expected.has(clientId)) {
      throw new W3aiError('FL_SECAGG_NOT_PARTICIPANT', `${String(clientId)} is not in this stage of the round`, { clientId })
    }
    if (this.answered.has(clientId)) throw new W3aiError('FL_SECAGG_DUPLICATE', `${clientId} already answered ${stage}`, { clientId, stage })
    const body = reply as Record<string, unknown>
    if (stage === 'setup') this.takeKeys(clientId, body)
    else if (stage === 'share-keys') this.takeShares(clientId, body)
    else if (stage === 'collect-masked-vectors') addInto(this.sum, decodeWords(body.vector, this.sum.length, 'vector', this.scratch))
    else this.takeReveals(clientId, body)
    this.answered.add(clientId)
  }

  private takeKeys(clientId: string, body: Record<string, unknown>): void {
    readBytes(body.channelKey, 'channelKey', KEY_BYTES)
    readBytes(body.maskKey, 'maskKey', KEY_BYTES)
    const keys: SecAggPublicKeys = { channelKey: body.channelKey as string, maskKey: body.maskKey as string }
    if (this.config.authenticate) {
      const signed = { ...keys, signingKey: body.signingKey as string, signature: body.signature as string }
      checkSignedKeys(this.config.roundId, clientId, signed)
      Object.assign(keys, { signingKey: signed.signingKey, signature: signed.signature })
    }
    if (!isUsablePublicKey(keys.channelKey) || !isUsablePublicKey(keys.maskKey)) throw malformed('channelKey/maskKey', 'is not a usable x25519 public key')
    const taken = new Set([...this.keys.values()].flatMap((k) => [k.channelKey, k.maskKey]))
    if (keys.channelKey === keys.maskKey || taken.has(keys.channelKey) || taken.has(keys.maskKey)) throw malformed('channelKey/maskKey', 'reuses a key already in the round')
    this.keys.set(clientId, keys)
  }

  private takeShares(clientId: string, body: Record<string, unknown>): void {
    readBytes(body.seedCommitment, 'seedCommitment', 32)
    const shares = readRecord(body.shares, 'shares')
    const to = Object.keys(shares).sort()
    const neighbours = this.graph.get(clientId) ?? []
    if (to.length !== neighbours.length || to.some((id, i) => id !== neighbours[i])) {
      throw malformed('shares', 'must be addressed to exactly the sender\'s neighbours', { expected: neighbours, actual: to })
    }
    for (const id of to) readBytes(shares[id], `shares.${id}`, SEALED_SHARE_BYTES)
    this.sealed.set(clientId, shares)
    this.commitments.set(clientId, body.seedCommitment as string)
  }

  private takeReveals(clientId: string, body: Record<string, unknown>): void {
    const asked = this.unmaskAsked.get(clientId) as { active: string[]; dropped: string[] }
    const reveals = [
      { field: 'seedShares', owners: asked.active, into: this.seedShares, values: readRecord(body.seedShares, 'seedShares') },
      { field: 'keyShares', owners: asked.dropped, into: this.keyShares, values: readRecord(body.keyShares, 'keyShares') },
    ]
    const parsed = reveals.map(({ field, owners, into, values }) => {
      const given = Object.keys(values)
      if (given.some((id) => !owners.includes(id))) throw malformed(field, 'reveals shares that were not asked for')
      // The share's x is the revealer's place in the owner's neighbourhood, known here, not taken from the client.
      return given.map((owner) => ({ into, owner, share: { x: neighbourhood(this.graph, owner).indexOf(clientId) + 1, y: readBytes(values[owner], `${field}.${owner}`, KEY_BYTES) } }))
    })
    for (const { into, owner, share } of parsed.flat()) into.set(owner, [...(into.get(owner) ?? []), share])
  }

  /** Closes the current stage: clients that have not answered drop out. Throws (and fails the round) below the threshold. */
  advance(): void {
    if (this.current === 'done' || this.current === 'failed') throw new W3aiError('FL_SECAGG_WRONG_STAGE', `the round is ${this.current}`)
    const survivors = [...this.answered].sort()
    try {
      this.need(survivors.length, 'clients answered')
      if (this.current === 'setup') this.startShareKeys(survivors)
      else if (this.current === 'share-keys') this.startCollect(survivors)
      else if (this.current === 'collect-masked-vectors') this.startUnmask(survivors)
      else this.finish()
    } catch (err) {
      if (err instanceof W3aiError) {
        this.current = 'failed'
        this.failure = err
        this.outgoing = {}
      }
      throw err
    }
  }

  /** The round's result once `advance()` has closed the unmask stage. */
  result(): SecAggResult {
    if (this.outcome === undefined) throw new W3aiError('FL_SECAGG_WRONG_STAGE', `the round is at ${this.current}, it has no result yet`)
    return this.outcome
  }

  private need(count: number, what: string): void {
    if (count < this.config.threshold) {
      throw new W3aiError('FL_SECAGG_BELOW_THRESHOLD', `${count} ${what} at ${this.current}, ${this.config.threshold} needed`, { stage: this.current, count, threshold: this.config.threshold })
    }
  }

  private enter(stage: SecAggStage, requests: Record<string, SecAggRequest>): void {
    this.current = stage
    this.outgoing = requests
    this.expected = new Set(Object.keys(requests))
    this.answered.clear()
  }

  private startShareKeys(participants: string[]): void {
    this.need(graphDegree(this.config.neighbours, participants.length) + 1, 'clients per neighbourhood')
    const graphSeed = Buffer.from(this.random(KEY_BYTES)).subarray(0, KEY_BYTES)
    this.graph = neighbourGraph(participants, this.config.neighbours, graphSeed)
    const requests: Record<string, SecAggRequest> = {}
    for (const id of participants) {
      const keys: Record<string, SecAggPublicKeys> = {}
      for (const peer of this.graph.get(id) ?? []) keys[peer] = this.keys.get(peer) as SecAggPublicKeys
      requests[id] = { roundId: this.config.roundId, stage: 'share-keys', graphSeed: graphSeed.toString('base64url'), participants, keys }
    }
    this.enter('share-keys', requests)
  }

  private startCollect(answered: string[]): void {
    // A client with fewer live neighbours than threshold - 1 would refuse to send its vector (too
    // little masking); leave it out now so its neighbours do not mask with it. Repeat until stable.
    const sharers = new Set(answered)
    for (let changed = true; changed; ) {
      changed = false
      for (const id of sharers) {
        if ((this.graph.get(id) ?? []).filter((p) => sharers.has(p)).length + 1 < this.config.threshold) {
          sharers.delete(id)
          changed = true
        }
      }
    }
    this.need(sharers.size, 'clients with enough live neighbours')
    this.sharers = sharers
    const requests: Record<string, SecAggRequest> = {}
    for (const id of sharers) {
      const shares: Record<string, string> = {}
      for (const from of this.graph.get(id) ?? []) if (sharers.has(from)) shares[from] = (this.sealed.get(from) as Record<string, string>)[id] as string
      requests[id] = { roundId: this.config.roundId, stage: 'collect-masked-vectors', shares }
    }
    this.enter('collect-masked-vectors', requests)
  }

  private startUnmask(masked: string[]): void {
    const alive = new Set(masked)
    const requests: Record<string, SecAggRequest> = {}
    for (const id of masked) {
      const group = neighbourhood(this.graph, id).filter((p) => this.sharers.has(p))
      const active = group.filter((p) => alive.has(p))
      const dropped = group.filter((p) => !alive.has(p))
      this.unmaskAsked.set(id, { active, dropped })
      requests[id] = { roundId: this.config.roundId, stage: 'unmask', active, dropped }
    }
    this.enter('unmask', requests)
  }

  private rebuild(shares: Map<string, SecretShare[]>, owner: string, what: string): Buffer {
    const got = shares.get(owner) ?? []
    if (got.length < this.config.threshold) {
      throw new W3aiError('FL_SECAGG_BELOW_THRESHOLD', `${got.length} shares of the ${what} of ${owner}, ${this.config.threshold} needed`, { owner, shares: got.length })
    }
    try {
      return Buffer.from(combineShares(got, this.config.threshold))
    } catch {
      throw new W3aiError('FL_SECAGG_BAD_SHARE', `the revealed shares of the ${what} of ${owner} disagree`, { owner })
    }
  }

  private finish(): void {
    const masked = [...this.unmaskAsked.keys()].sort()
    const alive = new Set(masked)
    const { roundId } = this.config
    // Every mask to take out, checked first, then taken out of the sum together.
    const masks: Mask[] = []
    for (const id of masked) {
      const seed = this.rebuild(this.seedShares, id, 'self-mask seed')
      if (seedCommitment(roundId, id, seed) !== this.commitments.get(id)) throw new W3aiError('FL_SECAGG_BAD_SHARE', `the rebuilt self-mask seed of ${id} does not match its commitment`, { owner: id })
      masks.push({ seed, domain: DOMAIN.selfMask, sign: -1 })
    }
    for (const id of [...this.sharers].filter((p) => !alive.has(p)).sort()) {
      const survivors = (this.graph.get(id) ?? []).filter((p) => alive.has(p))
      if (survivors.length === 0) continue
      const key = keyPairFromSecret(this.rebuild(this.keyShares, id, 'mask key'))
      if (key.publicKey !== this.keys.get(id)?.maskKey) throw new W3aiError('FL_SECAGG_BAD_SHARE', `the rebuilt mask key of ${id} does not match its public key`, { owner: id })
      for (const peer of survivors) {
        const seed = pairwiseSeed(key.privateKey, (this.keys.get(peer) as SecAggPublicKeys).maskKey, roundId, id, peer)
        // `peer` added its mask with pairwiseSign(peer, id); take it out with the opposite sign.
        masks.push({ seed, domain: DOMAIN.pairwiseMask, sign: pairwiseSign(peer, id) === 1 ? -1 : 1 })
      }
    }
    applyMasks(this.sum, masks)
    // Only a client that masked garbage can bring the summed count to zero.
    if (this.sum[this.sum.length - 1] === 0) throw new W3aiError('FL_BAD_UPDATE', 'the unmasked example count is zero: a client sent a vector that was not a masked update')
    const { mean, totalExamples } = dequantizeSum(this.sum, this.config)
    this.outcome = { roundId, mean, totalExamples, clients: masked, dropped: this.config.clients.filter((c) => !alive.has(c)) }
    this.current = 'done'
    this.outgoing = {}
    this.expected = new Set()
  }
}
