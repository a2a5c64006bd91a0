/**
 * SecAgg+ (Bell et al. 2020), the parts server and clients share: the four stages, the round
 * configuration and its defaults, and the messages. Messages are plain JSON objects (bytes as
 * base64url) so the hub and nodes can ship them over HTTP as they are.
 *
 * Stages, as Flower's secaggplus workflow runs them:
 * 1. setup: the server sends the configuration; each client answers with two fresh x25519 public
 *    keys (one for a channel to its neighbours, one for pairwise masks), signed with its identity
 *    when the round authenticates.
 * 2. share-keys: the server publishes a graph seed and the clients still present; each client
 *    finds its neighbours from them, Shamir-shares its mask private key and self-mask seed among
 *    them, and sends each neighbour's shares encrypted to that neighbour through the server.
 * 3. collect-masked-vectors: the server forwards the shares; each client sends its quantized,
 *    example-weighted update plus self mask plus pairwise masks with every neighbour that shared.
 * 4. unmask: the server names, per client, the neighbours that sent a vector and those that
 *    dropped; the client reveals self-mask seed shares of the first and mask key shares of the
 *    second, never both for one peer. The server removes the masks and is left with the sum.
 */
import { W3aiError } from '@w3ai/protocol'

export const SECAGG_STAGES = ['setup', 'share-keys', 'collect-masked-vectors', 'unmask'] as const
export type SecAggStage = (typeof SECAGG_STAGES)[number]

/** Integers are summed mod 2^32 (Uint32Array arithmetic). */
export const MODULUS = 2 ** 32
const MAX_WORD = MODULUS - 1

export const DEFAULT_CLIP_RANGE = 8
export const DEFAULT_MAX_WEIGHT = 65536

// Domain labels: every key and stream derived in a round is bound to its use.
export const DOMAIN = {
  pairwise: 'w3ai/secagg+/pairwise',
  channel: 'w3ai/secagg+/channel',
  selfMask: 'w3ai/secagg+/self-mask',
  pairwiseMask: 'w3ai/secagg+/pairwise-mask',
  graph: 'w3ai/secagg+/graph',
  seedCommitment: 'w3ai/secagg+/seed-commitment',
  share: 'w3ai/secagg+/share',
  keys: 'w3ai/secagg+/keys',
} as const

/** What the server decides for a round; every client receives it in the setup stage. */
export interface SecAggConfig {
  roundId: string
  /** The clients selected for the round, sorted. */
  clients: string[]
  /** Length of each parameter tensor; the masked vector holds their concatenation plus one count. */
  tensorSizes: number[]
  /** Neighbours per client in the masking graph (rounded up to even, at most all others). */
  neighbours: number
  /** Shares needed to rebuild a client's secret; more than half of a neighbourhood. */
  threshold: number
  /** Parameters are clipped to [-clipRange, clipRange] before quantization. */
  clipRange: number
  /** Quantization levels over [-clipRange, clipRange] for a client of full weight. */
  levels: number
  /** Example counts are capped here; a client's weight is min(numExamples, maxWeight) / maxWeight. */
  maxWeight: number
  /**
   * Clients sign their round keys with their identity (ed25519; a client id is the identity's id,
   * as node ids are, or that id, '/', and a suffix), and check their neighbours' signatures: a
   * server that swaps keys to read shares is caught.
   */
  authenticate: boolean
}

export interface SecAggOptions {
  roundId: string
  clients: readonly string[]
  tensorSizes: readonly number[]
  /** Default: 4·⌈log2 n⌉, at most n - 1 (every other client). */
  neighbours?: number
  /** Default: a strict majority of a neighbourhood (client and its neighbours). */
  threshold?: number
  /** Default: 8. */
  clipRange?: number
  /** Default: as many as fit, ⌊(2^32 - 1) / n⌋ + 1, so the sum of n clients cannot wrap. */
  levels?: number
  /** Default: 65536 (the hub can pass the largest dataset's row count). */
  maxWeight?: number
  /** Default: false. */
  authenticate?: boolean
}

function badConfig(field: string, message: string): W3aiError {
  return new W3aiError('FL_BAD_CONFIG', `secagg+ ${field}: ${message}`, { field })
}

/** The effective degree of the masking graph for `n` participants. */
export function graphDegree(neighbours: number, n: number): number {
  if (neighbours >= n - 1) return Math.max(0, n - 1)
  return neighbours % 2 === 0 ? neighbours : neighbours + 1
}

/** Checks options, fills defaults and returns a frozen configuration; FL_BAD_CONFIG names the field. */
export function resolveSecAggConfig(options: SecAggOptions): SecAggConfig {
  const { roundId } = options
  if (typeof roundId !== 'string' || roundId.length === 0 || roundId.length > 200) throw badConfig('roundId', 'a non-empty string of at most 200 characters')
  const clients = [...new Set(options.clients)].sort()
  if (clients.length !== options.clients.length) throw badConfig('clients', 'a client is listed twice')
  if (clients.some((c) => typeof c !== 'string' || c.length === 0 || c.length > 200)) throw badConfig('clients', 'ids are non-empty strings')
  if (clients.length < 2) throw badConfig('clients', 'secure aggregation needs at least two clients')
  const n = clients.length
  const tensorSizes = [...options.tensorSizes]
  if (tensorSizes.length === 0 || tensorSizes.some((s) => !Number.isSafeInteger(s) || s < 0)) throw badConfig('tensorSizes', 'a non-empty list of tensor lengths')
  const neighbours = options.neighbours ?? Math.min(n - 1, 4 * Math.ceil(Math.log2(n)))
  if (!Number.isInteger(neighbours) || neighbours < 1) throw badConfig('neighbours', 'an integer of at least 1')
  const size = graphDegree(neighbours, n) + 1
  const threshold = options.threshold ?? Math.floor(size / 2) + 1
  // A majority keeps a server that tells half the neighbours "dropped" and the other half "alive"
  // from collecting enough of both kinds of shares to unmask one client.
  if (!Number.isInteger(threshold) || threshold <= size / 2 || threshold > size) {
    throw badConfig('threshold', `between ${Math.floor(size / 2) + 1} and ${size} (a majority of a neighbourhood of ${size})`)
  }
  const clipRange = options.clipRange ?? DEFAULT_CLIP_RANGE
  if (!(clipRange > 0) || !Number.isFinite(clipRange)) throw badConfig('clipRange', 'a finite number above 0')
  const maxLevels = Math.floor(MAX_WORD / n) + 1
  const levels = options.levels ?? maxLevels
  if (!Number.isInteger(levels) || levels < 2 || levels > maxLevels) throw badConfig('levels', `an integer from 2 to ${maxLevels} for ${n} clients`)
  const maxWeight = options.maxWeight ?? Math.min(DEFAULT_MAX_WEIGHT, Math.floor(MAX_WORD / n))
  if (!Number.isInteger(maxWeight) || maxWeight < 1 || maxWeight * n > MAX_WORD) throw badConfig('maxWeight', `an integer from 1 to ${Math.floor(MAX_WORD / n)} for ${n} clients`)
  const authenticate = options.authenticate ?? false
  if (typeof authenticate !== 'boolean') throw badConfig('authenticate', 'true or false')
  return Object.freeze({ roundId, clients, tensorSizes, neighbours, threshold, clipRange, levels, maxWeight, authenticate })
}

/** Number of uint32 words in a masked vector: every parameter plus the example count. */
export function vectorLength(config: Pick<SecAggConfig, 'tensorSizes'>): number {
  return config.tensorSizes.reduce((a, b) => a + b, 0) + 1
}

/** A client's x25519 public keys for the round, raw 32 bytes each, base64url; signed when the round authenticates. */
export interface SecAggPublicKeys {
  channelKey: string
  maskKey: string
  /** The ed25519 key of the identity the client belongs to (the client id starts with the id derived from it), base64url. */
  signingKey?: string
  /** Its signature over the round id, client id and both keys. */
  signature?: string
}

export interface SecAggSetupRequest {
  roundId: string
  stage: 'setup'
  config: SecAggConfig
}

export interface SecAggSetupReply extends SecAggPublicKeys {
  roundId: string
  stage: 'setup'
  clientId: string
}

export interface SecAggShareKeysRequest {
  roundId: string
  stage: 'share-keys'
  /** 32 bytes, base64url: with `participants`, it fixes everybody's neighbours. */
  graphSeed: string
  /** The clients that completed setup, sorted. */
  participants: string[]
  /** The public keys of the receiving client's neighbours. */
  keys: Record<string, SecAggPublicKeys>
}

export interface SecAggShareKeysReply {
  roundId: string
  stage: 'share-keys'
  clientId: string
  /** SHA-256 commitment to the self-mask seed, so a wrong reconstruction is caught. */
  seedCommitment: string
  /** Per neighbour: its shares of the mask key and self-mask seed, AES-GCM sealed to it. */
  shares: Record<string, string>
}

export interface SecAggCollectRequest {
  roundId: string
  stage: 'collect-masked-vectors'
  /** The sealed shares addressed to the receiving client, by sender. */
  shares: Record<string, string>
}

export interface SecAggCollectReply {
  roundId: string
  stage: 'collect-masked-vectors'
  clientId: string
  /**
   * The masked vector, little-endian uint32 words: base64url for a JSON transport, or the bytes
   * themselves for a binary one (`collect(…, { vector: 'bytes' })`).
   */
  vector: string | Uint8Array
}

export interface SecAggUnmaskRequest {
  roundId: string
  stage: 'unmask'
  /** Peers that sent a masked vector: reveal shares of their self-mask seeds. */
  active: string[]
  /** Peers that shared keys but sent no vector: reveal shares of their mask keys. */
  dropped: string[]
}

export interface SecAggUnmaskReply {
  roundId: string
  stage: 'unmask'
  clientId: string
  seedShares: Record<string, string>
  keyShares: Record<string, string>
}

export type SecAggRequest = SecAggSetupRequest | SecAggShareKeysRequest | SecAggCollectRequest | SecAggUnmaskRequest
export type SecAggReply = SecAggSetupReply | SecAggShareKeysReply | SecAggCollectReply | SecAggUnmaskReply

/** A malformed message: FL_SECAGG_MALFORMED naming the field. */
export function malformed(field: string, message: string, details: Record<string, unknown> = {}): W3aiError {
  return new W3aiError('FL_SECAGG_MALFORMED', `secagg+ message: ${field} ${message}`, { field, ...details })
}

/** Reads a base64url field of exactly `bytes` bytes. */
export function readBytes(value: unknown, field: string, bytes: number): Buffer {
  if (typeof value !== 'string') throw malformed(field, 'is not a base64url string')
  // Unpadded base64url of `bytes` bytes has exactly this many characters, and Node's decoder skips
  // any character outside the alphabet, so a stray one shows up as a short result.
  const out = value.length === Math.ceil((bytes * 4) / 3) ? Buffer.from(value, 'base64url') : undefined
  if (out?.length !== bytes) throw malformed(field, `is not ${bytes} bytes of base64url`, { expected: bytes, actual: out?.length ?? Math.floor((value.length * 3) / 4) })
  return out
}

/** Reads a record of strings (an object, not an array), refusing anything else. */
export function readRecord(value: unknown, field: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(field, 'is not an object')
  for (const v of Object.values(value)) if (typeof v !== 'string') throw malformed(field, 'holds a value that is not a string')
  return value as Record<string, string>
}

/** Reads a list of distinct strings. */
export function readIds(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw malformed(field, 'is not a list of ids')
  if (new Set(value).size !== value.length) throw malformed(field, 'lists an id twice')
  return value as string[]
}

/** Encodes uint32 words as base64url (little-endian). */
export function encodeWords(words: Uint32Array): string {
  return Buffer.from(words.buffer, words.byteOffset, words.byteLength).toString('base64url')
}

/**
 * Decodes a vector of exactly `count` uint32 words, base64url or bytes; into `into` (of `count`
 * words) when given, so a server adding many vectors decodes each into the same buffer instead of a
 * fresh one. Aligned bytes are read where they lie.
 */
export function decodeWords(value: unknown, count: number, field = 'vector', into?: Uint32Array): Uint32Array {
  if (value instanceof Uint8Array) {
    if (value.byteLength !== count * 4) throw malformed(field, `is not ${count * 4} bytes`, { expected: count * 4, actual: value.byteLength })
    if (value.byteOffset % 4 === 0) return new Uint32Array(value.buffer, value.byteOffset, count)
    const words = into?.length === count ? into : new Uint32Array(count)
    new Uint8Array(words.buffer, words.byteOffset, words.byteLength).set(value)
    return words
  }
  if (into === undefined || into.length !== count || typeof value !== 'string' || value.length !== Math.ceil((count * 16) / 3)) {
    const bytes = readBytes(value, field, count * 4)
    if (bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, count)
    const words = new Uint32Array(count)
    new Uint8Array(words.buffer).set(bytes)
    return words
  }
  // Node's decoder skips characters outside the alphabet: a stray one shows up as a short write.
  const written = Buffer.from(into.buffer, into.byteOffset, into.byteLength).write(value, 'base64url')
  if (written !== count * 4) throw malformed(field, `is not ${count * 4} bytes of base64url`, { expected: count * 4, actual: written })
  return into
}
