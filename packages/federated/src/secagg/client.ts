/**
 * The client side of SecAgg+: one `SecAggClient` per client per round answers the server's four
 * requests in order. It checks what the server sends (configuration, neighbours from the graph
 * seed, who may be unmasked) and refuses anything that would expose its update or a peer's: fewer
 * live neighbours than the threshold, or a request to reveal both secrets of one peer.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto'
import { splitSecret, type Identity } from '@w3ai/crypto'
import { W3aiError } from '@w3ai/protocol'
import type { Parameters } from '../types.js'
import { neighbourGraph, neighbourhood } from './graph.js'
import { channelKey, checkSignedKeys, clientIdBelongsTo, generateKeyPair, signKeys, KEY_BYTES, openShares, pairwiseSeed, pairwiseSign, sealShares, seedCommitment, type KeyPair } from './keys.js'
import { applyMasks, type Mask } from './masking.js'
import { quantizeUpdate } from './quantize.js'
import {
  DOMAIN,
  encodeWords,
  malformed,
  readBytes,
  readIds,
  readRecord,
  resolveSecAggConfig,
  SECAGG_STAGES,
  type SecAggCollectReply,
  type SecAggCollectRequest,
  type SecAggPublicKeys,
  type SecAggConfig,
  type SecAggStage,
  type SecAggSetupReply,
  type SecAggSetupRequest,
  type SecAggShareKeysReply,
  type SecAggShareKeysRequest,
  type SecAggUnmaskReply,
  type SecAggUnmaskRequest,
} from './stages.js'

export interface SecAggClientOptions {
  /** Source of secret randomness (self-mask seed, share polynomials, nonces); node:crypto by default. Keys come from node:crypto. */
  randomBytes?: (n: number) => Uint8Array
  /** The client's identity, to sign its round keys when the round authenticates (the client id must belong to it: clientIdBelongsTo). */
  identity?: Pick<Identity, 'id' | 'publicKey' | 'signingKey'>
}

/** A client's training result as SecAgg+ sums it: parameters weighted by their example count. */
export interface SecAggUpdate {
  parameters: Parameters
  numExamples: number
}

interface Held {
  keyShare: Buffer
  seedShare: Buffer
}

/** One client's side of one SecAgg+ round: call setup, shareKeys, collect and unmask in turn. */
export class SecAggClient {
  readonly clientId: string
  private readonly random: (n: number) => Uint8Array
  private readonly identity: SecAggClientOptions['identity']
  private next: SecAggStage | 'done' = 'setup'
  private config: SecAggConfig | undefined
  private channel: KeyPair | undefined
  private mask: KeyPair | undefined
  private seed: Buffer | undefined
  private neighbours: string[] = []
  private peerKeys: Record<string, SecAggPublicKeys> = {}
  private readonly channelKeys = new Map<string, Buffer>()
  /** Shares this client holds, by owner (its own included); only owners that shared are masked with. */
  private readonly held = new Map<string, Held>()
  private readonly revealed = new Map<string, 'seed' | 'key'>()

  constructor(clientId: string, options: SecAggClientOptions = {}) {
    this.clientId = clientId
    this.random = options.randomBytes ?? cryptoRandomBytes
    this.identity = options.identity
  }

  /** The stage this client expects next ('done' once it has unmasked). */
  get stage(): SecAggStage | 'done' {
    return this.next
  }

  private enter(request: { roundId?: unknown; stage?: unknown }, stage: SecAggStage): SecAggConfig | undefined {
    if (this.config !== undefined && request.roundId !== this.config.roundId) {
      throw new W3aiError('FL_SECAGG_WRONG_ROUND', `this client is in round ${this.config.roundId}, not ${String(request.roundId)}`)
    }
    if (request.stage !== stage || this.next !== stage) {
      throw new W3aiError('FL_SECAGG_WRONG_STAGE', `this client expects ${this.next}, got ${String(request.stage)}`, { expected: this.next, actual: request.stage })
    }
    return this.config
  }

  private advance(): void {
    const i = SECAGG_STAGES.indexOf(this.next as SecAggStage)
    this.next = SECAGG_STAGES[i + 1] ?? 'done'
  }

  /** Stage 1: checks the configuration and answers with two fresh public keys. */
  setup(request: SecAggSetupRequest): SecAggSetupReply {
    this.enter(request, 'setup')
    const config = resolveSecAggConfig(request.config)
    if (config.roundId !== request.roundId) throw malformed('config.roundId', 'differs from the message round')
    if (!config.clients.includes(this.clientId)) throw new W3aiError('FL_SECAGG_NOT_PARTICIPANT', `${this.clientId} is not among the round's clients`)
    if (config.authenticate && (this.identity === undefined || !clientIdBelongsTo(this.clientId, this.identity.id))) {
      throw new W3aiError('FL_BAD_CONFIG', `this round signs its keys: give client ${this.clientId} the identity it belongs to`, { field: 'authenticate' })
    }
    this.config = config
    this.channel = generateKeyPair()
    this.mask = generateKeyPair()
    this.advance()
    const keys = { channelKey: this.channel.publicKey, maskKey: this.mask.publicKey }
    const signed = config.authenticate && this.identity !== undefined ? signKeys(this.identity, config.roundId, this.clientId, keys) : keys
    return { roundId: config.roundId, stage: 'setup', clientId: this.clientId, ...signed }
  }

  /** Stage 2: derives its neighbours from the graph seed, shares its secrets among them, sealed per neighbour. */
  shareKeys(request: SecAggShareKeysRequest): SecAggShareKeysReply {
    const config = this.enter(request, 'share-keys') as SecAggConfig
    const channel = this.channel as KeyPair
    const mask = this.mask as KeyPair
    const participants = readIds(request.participants, 'participants')
    if (!participants.includes(this.clientId) || participants.some((p) => !config.clients.includes(p))) {
      throw malformed('participants', 'must be clients of the round, this one included')
    }
    const graph = neighbourGraph(participants, config.neighbours, readBytes(request.graphSeed, 'graphSeed', KEY_BYTES))
    this.neighbours = graph.get(this.clientId) ?? []
    const keys = readRecordOf(request.keys, 'keys')
    const given = Object.keys(keys).sort()
    if (given.length !== this.neighbours.length || given.some((id, i) => id !== this.neighbours[i])) {
      throw malformed('keys', 'must hold the public keys of exactly the neighbours the graph seed gives', { expected: this.neighbours, actual: given })
    }
    // Keys the server relays could be its own: when the round authenticates, only signed ones count.
    if (config.authenticate) for (const id of given) checkSignedKeys(config.roundId, id, keys[id] as SecAggPublicKeys)
    const group = neighbourhood(graph, this.clientId)
    if (group.length < config.threshold) {
      throw new W3aiError('FL_SECAGG_BELOW_THRESHOLD', `${group.length} clients in this neighbourhood, ${config.threshold} needed`)
    }
    this.peerKeys = keys
    this.seed = Buffer.from(this.random(KEY_BYTES))
    const keyShares = splitSecret(mask.secret, config.threshold, group.length, this.random)
    const seedShares = splitSecret(this.seed, config.threshold, group.length, this.random)
    const shares: Record<string, string> = {}
    group.forEach((peer, i) => {
      const keyShare = (keyShares[i] as { y: Uint8Array }).y
      const seedShare = (seedShares[i] as { y: Uint8Array }).y
      if (peer === this.clientId) {
        this.held.set(peer, { keyShare: Buffer.from(keyShare), seedShare: Buffer.from(seedShare) })
        return
      }
      const peerKeys = keys[peer] as SecAggPublicKeys
      const key = channelKey(channel.privateKey, peerKeys.channelKey, config.roundId, this.clientId, peer)
      this.channelKeys.set(peer, key)
      shares[peer] = sealShares(key, this.random(12), config.roundId, this.clientId, peer, keyShare, seedShare)
    })
    this.advance()
    return { roundId: config.roundId, stage: 'share-keys', clientId: this.clientId, seedCommitment: seedCommitment(config.roundId, this.clientId, this.seed), shares }
  }

  /**
   * Stage 3: opens the neighbours' shares and sends its update, quantized, weighted and masked; the
   * vector as base64url (JSON transports, the default) or as its bytes (binary ones).
   */
  collect(request: SecAggCollectRequest, update: SecAggUpdate, options: { vector?: 'base64url' | 'bytes' } = {}): SecAggCollectReply {
    const config = this.enter(request, 'collect-masked-vectors') as SecAggConfig
    const sealed = readRecord(request.shares, 'shares')
    const senders = Object.keys(sealed).sort()
    const strangers = senders.filter((s) => !this.neighbours.includes(s))
    if (strangers.length > 0) throw malformed('shares', 'come from clients that are not neighbours', { strangers })
    // With fewer live neighbours than this, the pairwise masks would hide too little (or the
    // self-mask seed could not be rebuilt): send nothing.
    if (senders.length + 1 < config.threshold) {
      throw new W3aiError('FL_SECAGG_BELOW_THRESHOLD', `${senders.length} neighbours left, ${config.threshold - 1} needed`)
    }
    const vector = quantizeUpdate(update.parameters, update.numExamples, config)
    const opened = senders.map((from) => [from, openShares(this.channelKeys.get(from) as Buffer, sealed[from] as string, config.roundId, from, this.clientId)] as const)
    for (const [from, shares] of opened) this.held.set(from, shares)
    const mask = this.mask as KeyPair
    const masks: Mask[] = [{ seed: this.seed as Buffer, domain: DOMAIN.selfMask, sign: 1 }]
    for (const peer of senders) {
      const seed = pairwiseSeed(mask.privateKey, (this.peerKeys[peer] as SecAggPublicKeys).maskKey, config.roundId, this.clientId, peer)
      masks.push({ seed, domain: DOMAIN.pairwiseMask, sign: pairwiseSign(this.clientId, peer) })
    }
    applyMasks(vector, masks)
    for (const m of masks.slice(1)) m.seed.fill(0)
    this.advance()
    const encoded = options.vector === 'bytes' ? new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength) : encodeWords(vector)
    return { roundId: config.roundId, stage: 'collect-masked-vectors', clientId: this.clientId, vector: encoded }
  }

  /** Stage 4: reveals seed shares of active peers and key shares of dropped ones, never both for one peer. */
  unmask(request: SecAggUnmaskRequest): SecAggUnmaskReply {
    const config = this.enter(request, 'unmask') as SecAggConfig
    const active = readIds(request.active, 'active')
    const dropped = readIds(request.dropped, 'dropped')
    const both = active.filter((id) => dropped.includes(id))
    if (both.length > 0 || dropped.includes(this.clientId)) {
      throw new W3aiError('FL_SECAGG_REVEAL_REFUSED', `asked to reveal both secrets of ${[...both, ...(dropped.includes(this.clientId) ? [this.clientId] : [])].join(', ')}`)
    }
    for (const id of [...active, ...dropped]) {
      if (!this.held.has(id)) throw malformed('active/dropped', `names ${id}, whose shares this client does not hold`)
      const kind = active.includes(id) ? 'seed' : 'key'
      const before = this.revealed.get(id)
      if (before !== undefined && before !== kind) throw new W3aiError('FL_SECAGG_REVEAL_REFUSED', `the ${before} share of ${id} was revealed already`)
    }
    if (active.length < config.threshold) {
      throw new W3aiError('FL_SECAGG_BELOW_THRESHOLD', `${active.length} of this neighbourhood sent vectors, ${config.threshold} needed`)
    }
    const seedShares: Record<string, string> = {}
    const keyShares: Record<string, string> = {}
    for (const id of active) {
      this.revealed.set(id, 'seed')
      seedShares[id] = (this.held.get(id) as Held).seedShare.toString('base64url')
    }
    for (const id of dropped) {
      this.revealed.set(id, 'key')
      keyShares[id] = (this.held.get(id) as Held).keyShare.toString('base64url')
    }
    this.advance()
    this.forget()
    return { roundId: config.roundId, stage: 'unmask', clientId: this.clientId, seedShares, keyShares }
  }

  /** Wipes the secrets; the round is over for this client. */
  private forget(): void {
    this.seed?.fill(0)
    this.mask?.secret.fill(0)
    this.channel?.secret.fill(0)
    for (const key of this.channelKeys.values()) key.fill(0)
    for (const held of this.held.values()) {
      held.keyShare.fill(0)
      held.seedShare.fill(0)
    }
  }
}

function readRecordOf(value: unknown, field: string): Record<string, SecAggPublicKeys> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(field, 'is not an object')
  const out: Record<string, SecAggPublicKeys> = {}
  for (const [id, keys] of Object.entries(value)) {
    const k = keys as Partial<SecAggPublicKeys> | null
    readBytes(k?.channelKey, `${field}.${id}.channelKey`, KEY_BYTES)
    readBytes(k?.maskKey, `${field}.${id}.maskKey`, KEY_BYTES)
    out[id] = { channelKey: k?.channelKey as string, maskKey: k?.maskKey as string }
    if (typeof k?.signingKey === 'string' && typeof k.signature === 'string') Object.assign(out[id], { signingKey: k.signingKey, signature: k.signature })
  }
  return out
}
