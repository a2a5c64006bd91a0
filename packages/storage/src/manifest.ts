/**
 * The object manifest's canonical encoding: dag-json with piece CIDs as links, so IPFS tools can
 * walk from the manifest to the ciphertext pieces. The object id is the manifest's CIDv1
 * (dag-json, sha2-256). Decoding checks the schema and the arithmetic that downloads rely on.
 * The schema is checked by TypeBox's interpreter, not its compiler: the dashboard runs this too,
 * under a Content-Security-Policy without 'unsafe-eval', and manifests are small.
 */
import * as dagJson from '@ipld/dag-json'
import { Errors } from '@sinclair/typebox/errors'
import { Check } from '@sinclair/typebox/value'
import { ManifestSchema, W3aiError, type Manifest } from '@w3ai/protocol'
import { CID } from 'multiformats/cid'
import { platform } from '#platform'
import { equalBytes } from './bytes.js'
import { cidFromDigest, DAG_JSON_CODEC, parseCid, RAW_CODEC } from './cid.js'
import { GCM_TAG_BYTES } from './constants.js'
import { checkErasureParams, shardSizeFor } from './erasure-params.js'

export interface EncodedManifest {
  /** The dag-json bytes (what the hub stores and CAR files carry). */
  bytes: Uint8Array
  /** The object id: CIDv1 dag-json sha2-256, base32. */
  cid: string
}

function invalid(reason: string): W3aiError {
  return new W3aiError('STORAGE_MANIFEST_INVALID', `The manifest is invalid: ${reason}.`, { reason })
}

/** Checks a manifest's schema and consistency; throws W3aiError('STORAGE_MANIFEST_INVALID'). */
export function validateManifest(manifest: unknown): asserts manifest is Manifest {
  if (!Check(ManifestSchema, manifest)) {
    const first = Errors(ManifestSchema, manifest).First()
    throw invalid(first === undefined ? 'schema mismatch' : `${first.path || '/'} ${first.message}`)
  }
  const { k, n, total } = manifest.erasure
  try {
    checkErasureParams(k, total)
  } catch {
    throw invalid(`unsupported erasure coding k=${k}, total=${total}`)
  }
  if (n <= k || n > total) throw invalid(`erasure n=${n} must be above k=${k} and at most total=${total}`)
  if (manifest.segments.length === 0) throw invalid('an object has at least one segment')
  let size = 0
  manifest.segments.forEach((seg, i) => {
    const last = i === manifest.segments.length - 1
    if (last ? seg.plainSize > manifest.segmentSize : seg.plainSize !== manifest.segmentSize) throw invalid(`segment ${i} has the wrong plain size`)
    if (seg.cipherSize !== seg.plainSize + GCM_TAG_BYTES) throw invalid(`segment ${i} cipher size is not plain size + ${GCM_TAG_BYTES}`)
    if (seg.shardSize !== shardSizeFor(seg.cipherSize, k)) throw invalid(`segment ${i} shard size does not match its cipher size`)
    if (seg.pieces.length < k) throw invalid(`segment ${i} has fewer than k pieces`)
    let previous = -1
    for (const piece of seg.pieces) {
      // Ascending indices keep the encoding canonical and rule out duplicates.
      if (piece.index <= previous || piece.index >= total) throw invalid(`segment ${i} piece indices must be ascending and in range`)
      previous = piece.index
      try {
        parseCid(piece.cid, RAW_CODEC)
      } catch {
        throw invalid(`segment ${i} piece ${piece.index} has a bad CID`)
      }
    }
    size += seg.plainSize
  })
  if (size !== manifest.size) throw invalid('the segment sizes do not add up to the object size')
}

/** The CID of manifest bytes as received (the hub recomputes the object id this way). */
export function manifestCid(bytes: Uint8Array): string {
  return cidFromDigest(platform.sha256(bytes), DAG_JSON_CODEC)
}

/** Validates and encodes a manifest to dag-json; returns the bytes and the object id. */
export function encodeManifest(manifest: Manifest): EncodedManifest {
  validateManifest(manifest)
  const node = {
    ...manifest,
    segments: manifest.segments.map((seg) => ({ ...seg, pieces: seg.pieces.map((p) => ({ index: p.index, cid: CID.parse(p.cid) })) })),
  }
  const bytes = dagJson.encode(node)
  return { bytes, cid: manifestCid(bytes) }
}

function linksToStrings(node: unknown): unknown {
  const segments = (node as { segments?: unknown } | null)?.segments
  if (!Array.isArray(segments)) return node
  for (const seg of segments) {
    const pieces = (seg as { pieces?: unknown } | null)?.pieces
    if (!Array.isArray(pieces)) continue
    for (const piece of pieces) {
      if (piece === null || typeof piece !== 'object') continue
      const p = piece as { cid?: unknown }
      const link = CID.asCID(p.cid)
      if (link !== null) p.cid = link.toString()
    }
  }
  return node
}

/** Decodes and validates manifest bytes; anything wrong → W3aiError('STORAGE_MANIFEST_INVALID'). */
export function decodeManifest(bytes: Uint8Array): Manifest {
  let node: unknown
  try {
    node = dagJson.decode(bytes)
  } catch (err) {
    throw invalid(`not dag-json (${(err as Error).message})`)
  }
  const manifest = linksToStrings(node)
  validateManifest(manifest)
  // One manifest, one encoding, one id: reject bytes that are not the canonical form.
  if (!equalBytes(encodeManifest(manifest).bytes, bytes)) throw invalid('not in canonical dag-json form')
  return manifest
}
