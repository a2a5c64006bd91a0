/** Piece addresses: CIDv1, raw codec, sha2-256, base32 — `bafkrei…`. */
import { W3aiError } from '@w3ai/protocol'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

const RAW_CODEC = 0x55
const SHA2_256 = 0x12

/** The piece CID of a sha256 digest (32 bytes). */
export function pieceCidFromSha256(digest: Uint8Array): string {
  return CID.create(1, RAW_CODEC, Digest.create(SHA2_256, digest)).toString()
}

/**
 * Checks that `text` is a piece CID in its canonical spelling and returns its sha256 digest;
 * anything else (another version, codec or hash, upper case, another base) is STORAGE_BAD_CID.
 */
export function parsePieceCid(text: string): { cid: string; sha256: Buffer } {
  let cid: CID
  try {
    cid = CID.parse(text)
  } catch {
    throw badCid(text)
  }
  if (cid.version !== 1 || cid.code !== RAW_CODEC || cid.multihash.code !== SHA2_256 || cid.multihash.digest.length !== 32 || cid.toString() !== text) {
    throw badCid(text)
  }
  return { cid: text, sha256: Buffer.from(cid.multihash.digest) }
}

function badCid(text: string): W3aiError {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text
  return new W3aiError('STORAGE_BAD_CID', `${JSON.stringify(shown)} is not a piece CID (CIDv1, raw, sha2-256, base32: bafkrei…).`)
}
