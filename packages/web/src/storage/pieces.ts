/**
 * Pieces straight to and from the nodes (cross-origin; nodes answer CORS), each call carrying the
 * hub-signed order in `x-w3ai-order`, base64url of its JSON as pieces.ts in @w3ai/sdk sends it.
 */
import type { SignedOrder, SignedReceipt } from '@w3ai/protocol'
import { toBase64Url, utf8, type Bytes } from './bytes.js'
import { HEADER_ORDER } from './wire.js'

export interface PieceTarget {
  cid: string
  endpoint: string
  order?: SignedOrder | undefined
}

function orderHeader(order: SignedOrder | undefined): string {
  if (order === undefined) throw new Error('No order was issued for this piece.')
  return toBase64Url(utf8(JSON.stringify(order)))
}

function url(t: PieceTarget): string {
  return `${t.endpoint.replace(/\/+$/, '')}/v1/pieces/${t.cid}`
}

async function failure(res: Response, what: string): Promise<Error> {
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined
  return new Error(`${what}: ${body?.error?.code ?? `HTTP ${res.status}`}${body?.error?.message === undefined ? '' : ` (${body.error.message})`}`)
}

/** Stores a piece at its node; resolves with the node's signed receipt. */
export async function putPiece(t: PieceTarget, bytes: Uint8Array, signal: AbortSignal): Promise<SignedReceipt> {
  // A view into a segment's shard buffer: fetch sends just the view's bytes.
  const body = bytes as Bytes
  const res = await fetch(url(t), { method: 'PUT', headers: { [HEADER_ORDER]: orderHeader(t.order), 'content-type': 'application/octet-stream' }, body, signal })
  if (res.status !== 201) throw await failure(res, `storing piece ${t.cid}`)
  return (await res.json()) as SignedReceipt
}

/** Fetches a whole piece (the caller checks it against its CID). */
export async function getPiece(t: PieceTarget, signal: AbortSignal): Promise<Bytes> {
  const res = await fetch(url(t), { headers: { [HEADER_ORDER]: orderHeader(t.order) }, signal })
  if (res.status !== 200) throw await failure(res, `fetching piece ${t.cid}`)
  return new Uint8Array(await res.arrayBuffer())
}
