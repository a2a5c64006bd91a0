/** Models are addressed like storage pieces: CIDv1, raw codec, sha2-256, base32 (bafk…). */
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'

const RAW_CODEC = 0x55
const SHA2_256 = 0x12

/** The CID a model's bytes are cached and referred to by. */
export function modelCid(bytes: Uint8Array): string {
  const digest = createHash('sha256').update(bytes).digest()
  return CID.createV1(RAW_CODEC, createDigest(SHA2_256, digest)).toString()
}

/** True when text parses as a CIDv1 (a cheap guard before using it as a file name). */
export function isCid(text: string): boolean {
  try {
    return CID.parse(text).version === 1 && /^[a-z2-7]+$/.test(text)
  } catch {
    return false
  }
}
