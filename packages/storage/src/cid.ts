/**
 * Content ids: pieces are CIDv1 raw (0x55) over sha2-256, manifests CIDv1 dag-json (0x0129),
 * always written in base32 (`bafk…` and `bagu…`). Hashing is the platform's (node:crypto in Node,
 * so a node can hash a piece while streaming it to disk; a JS SHA-256 in browsers).
 */
import { W3aiError } from '@w3ai/protocol'
import { platform } from '#platform'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

export const RAW_CODEC = 0x55
export const DAG_JSON_CODEC = 0x0129
export const SHA2_256 = 0x12

const CID_TEXT = /^b[a-z2-7]{20,120}$/

/** The CID string of a sha2-256 digest for the given codec. */
export function cidFromDigest(digest: Uint8Array, codec: number = RAW_CODEC): string {
  if (digest.byteLength !== 32) throw new Error('a sha2-256 digest is 32 bytes')
  return CID.createV1(codec, Digest.create(SHA2_256, digest)).toString()
}

/** The CID of a piece's bytes: CIDv1, raw, sha2-256, base32. */
export function pieceCid(bytes: Uint8Array): string {
  return cidFromDigest(platform.sha256(bytes))
}

/** Incremental piece CID: feed chunks as they stream past, then read the CID once. */
export class PieceHasher {
  private readonly hash = platform.createSha256()
  private bytes = 0

  /** Adds the next chunk of the piece. */
  update(chunk: Uint8Array): this {
    this.hash.update(chunk)
    this.bytes += chunk.byteLength
    return this
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.bytes
  }

  /** The piece CID; the hasher cannot be used afterwards. */
  cid(): string {
    return cidFromDigest(this.hash.digest())
  }
}

/**
 * Parses a CID string as w3ai uses them: CIDv1, base32, sha2-256, raw or dag-json (or exactly
 * `codec` when given). Anything else → W3aiError('STORAGE_BAD_CID').
 */
export function parseCid(text: string, codec?: number): CID {
  let cid: CID
  try {
    if (typeof text !== 'string' || !CID_TEXT.test(text)) throw new Error('not base32 CIDv1 text')
    cid = CID.parse(text)
  } catch {
    throw new W3aiError('STORAGE_BAD_CID', undefined, { cid: typeof text === 'string' ? text.slice(0, 130) : typeof text })
  }
  const codecOk = codec === undefined ? cid.code === RAW_CODEC || cid.code === DAG_JSON_CODEC : cid.code === codec
  if (cid.version !== 1 || !codecOk || cid.multihash.code !== SHA2_256 || cid.multihash.size !== 32 || cid.toString() !== text) {
    throw new W3aiError('STORAGE_BAD_CID', undefined, { cid: text })
  }
  return cid
}

/** Whether a string is a valid piece CID (raw, sha2-256, base32). */
export function isPieceCid(text: string): boolean {
  try {
    parseCid(text, RAW_CODEC)
    return true
  } catch {
    return false
  }
}

/** Whether `bytes` hash to `cid` (a piece fetched from an untrusted node). */
export function verifyPiece(bytes: Uint8Array, cid: string): boolean {
  return pieceCid(bytes) === cid
}
