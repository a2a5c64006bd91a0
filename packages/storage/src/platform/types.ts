/**
 * What the storage core needs from the machine it runs on. Node gets node:crypto and the native
 * Reed–Solomon addon (platform/node.ts); browsers get a JS SHA-256, WebCrypto and the portable
 * coder (platform/web.ts). package.json's `#platform` import picks one by the `browser`
 * condition, so the core itself is one implementation and the two give byte-identical results.
 */
import type { BufferPool } from '../pool.js'

/** An incremental SHA-256. */
export interface Sha256 {
  update(chunk: Uint8Array): void
  /** The 32-byte digest; the hash cannot be used afterwards. */
  digest(): Uint8Array
}

export interface EncodedShards {
  shardSize: number
  /** `total` shards, data first. They may share buffers: do not mutate them. */
  shards: Uint8Array[]
  /** Where the shards came from a pool: the buffers to give back once they are sent. */
  buffers?: Uint8Array[]
}

export interface Platform {
  /** SHA-256 of `bytes`, synchronously (Merkle trees hash once per 4 KiB leaf). */
  sha256(bytes: Uint8Array): Uint8Array
  /** SHA-256 of `bytes` written to `out` at `offset` (32 bytes), with no array allocated for it. */
  sha256Into(bytes: Uint8Array, out: Uint8Array, offset: number): void
  createSha256(): Sha256
  randomBytes(size: number): Uint8Array
  /** HKDF-SHA256 with an empty salt. */
  hkdfSha256(ikm: Uint8Array, info: string, length: number): Promise<Uint8Array>
  /** AES-256-GCM: the ciphertext (in one or more parts) followed by the 16-byte tag. */
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plain: Uint8Array): Promise<Uint8Array[]>
  /**
   * Opens ciphertext || tag; rejects when it does not authenticate. `into` (at least the
   * plaintext's size) may be used for the plaintext, which is then a view of it.
   */
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, cipher: Uint8Array, into?: Uint8Array): Promise<Uint8Array>
  /** Reed–Solomon: splits a ciphertext (its parts in order) into `total` shards, zero-padded; a platform may take its buffers from `pool`. */
  encodeShards(cipher: readonly Uint8Array[], k: number, total: number, pool?: BufferPool): Promise<EncodedShards>
  /** Rebuilds a ciphertext from any k of its shards (index → bytes, already verified); the result may be a view of a buffer taken from `pool`. */
  decodeShards(available: ReadonlyMap<number, Uint8Array>, k: number, total: number, shardSize: number, cipherSize: number, pool?: BufferPool): Promise<Uint8Array>
}
