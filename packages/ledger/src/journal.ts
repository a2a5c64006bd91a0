/**
 * The journal anyone can verify: each entry carries the hash of the one before (sha256 over
 * prev ‖ canonicalJson(entry without hash)), and each batch's entries are closed by a block the
 * hub signs with its ed25519 key over canonicalJson(block without signature).
 */
import { createHash } from 'node:crypto'
import { canonicalJson, signObject, verifyObject, type Identity } from '@w3ai/crypto'
import type { Block, BlockBody, JournalEntry, LedgerHead } from './types.js'

/** The prev of seq 1 and the prevBlockHash of height 1. */
export const ZERO_HASH = '0'.repeat(64)

/** The head of an empty ledger. */
export const EMPTY_HEAD: LedgerHead = Object.freeze({ seq: 0, hash: ZERO_HASH, height: 0, blockHash: ZERO_HASH })

function sha256hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** The hash an entry must carry: sha256 hex of prev ‖ canonicalJson(entry without hash). */
export function entryHash(entry: Omit<JournalEntry, 'hash'> & { hash?: string }): string {
  const { hash: _hash, ...body } = entry
  return sha256hex(entry.prev + entryJson(body))
}

/** The fields of an entry's hashed body in canonical order (RFC 8785 sorts keys by UTF-16 code units). */
const ENTRY_KEYS = ['action', 'amount', 'at', 'credit', 'debit', 'kind', 'memo', 'pending', 'pendingId', 'prev', 'seq', 'transferId'] as const
/** In a unicode regex a surrogate pair is one code point: this matches lone surrogates only. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u

/**
 * canonicalJson of an entry's body, byte for byte, written straight out for the usual shape
 * (exactly the twelve fields, each a string, a finite number, a boolean or null: JCS prints
 * those as JSON.stringify does) without the general canonicalizer's sorting and walking; any
 * other shape, as a tampered or odd entry from a download may have, goes through canonicalJson.
 * Hashing every entry is the engine's and the verifier's largest cost per transfer.
 */
export function entryJson(body: Record<string, unknown>): string {
  if (Object.keys(body).length !== ENTRY_KEYS.length) return canonicalJson(body)
  let out = '{'
  for (const key of ENTRY_KEYS) {
    const v = body[key]
    if (!Object.hasOwn(body, key)) return canonicalJson(body)
    let text: string
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return canonicalJson(body)
      text = JSON.stringify(v)
    } else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || v === null) {
      text = JSON.stringify(v)
    } else {
      return canonicalJson(body)
    }
    out += `${out.length === 1 ? '' : ','}"${key}":${text}`
  }
  return `${out}}`
}

/** The next entry after `prev` (seq and hash of the entry before it): fills in seq, prev and hash. */
export function chainEntry(fields: Omit<JournalEntry, 'seq' | 'prev' | 'hash'>, prev: { seq: number; hash: string }): JournalEntry {
  const body = { ...fields, seq: prev.seq + 1, prev: prev.hash }
  return { ...body, hash: entryHash(body) }
}

/** The hash that chains blocks: sha256 hex of canonicalJson of the block's body (signer and signature left out). */
export function blockHash(block: BlockBody): string {
  const { height, firstSeq, lastSeq, lastHash, prevBlockHash, at } = block
  return sha256hex(canonicalJson({ height, firstSeq, lastSeq, lastHash, prevBlockHash, at }))
}

/** Signs a block body with the hub's identity. */
export function sealBlock(body: BlockBody, hub: Pick<Identity, 'publicKey' | 'signingKey'>): Block {
  const unsigned = { ...pickBody(body), hubKey: hub.publicKey }
  return { ...unsigned, signature: signObject(hub, unsigned) }
}

/** True when the block is signed by its hubKey (whether that key is trusted is the caller's question). */
export function verifyBlockSignature(block: Block): boolean {
  const { signature, ...unsigned } = block
  return verifyObject(block.hubKey, { ...pickBody(unsigned), hubKey: unsigned.hubKey }, signature)
}

function pickBody(b: BlockBody): BlockBody {
  return { height: b.height, firstSeq: b.firstSeq, lastSeq: b.lastSeq, lastHash: b.lastHash, prevBlockHash: b.prevBlockHash, at: b.at }
}
