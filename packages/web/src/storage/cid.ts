/**
 * Content ids as cid.ts in @w3ai/storage makes them: pieces are CIDv1 raw sha2-256, manifests
 * CIDv1 dag-json sha2-256, both base32. A whole piece is hashed with WebCrypto (native, async).
 */
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { DAG_JSON_CODEC, RAW_CODEC, SHA2_256 } from './wire.js'

/** The CID string of a sha2-256 digest for `codec`. */
export function cidFromDigest(digest: Uint8Array, codec: number = RAW_CODEC): string {
  if (digest.byteLength !== 32) throw new Error('a sha2-256 digest is 32 bytes')
  return CID.createV1(codec, Digest.create(SHA2_256, digest)).toString()
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
}

/** The CID of a piece's bytes. */
export async function pieceCid(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return cidFromDigest(await sha256(bytes), RAW_CODEC)
}

/** The CID of manifest bytes (the object id). */
export async function manifestCid(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return cidFromDigest(await sha256(bytes), DAG_JSON_CODEC)
}
