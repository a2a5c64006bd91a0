/**
 * Client for the piece endpoints of nodes: every call carries a hub-signed order in the
 * `x-w3ai-order` header. Used by the SDK's storage client and by the hub's repairer and auditor.
 * Built on node:http with keep-alive rather than fetch: pieces are megabytes each and fetch's
 * body handling costs more CPU than the encryption does.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import {
  HEADER_ORDER,
  W3aiError,
  isErrorCode,
  type AuditProof,
  type ErrorBody,
  type SignedOrder,
  type SignedReceipt,
} from '@w3ai/protocol'

export interface PieceTarget {
  cid: string
  endpoint: string
  /** The hub's order for this piece at this node; absent orders are refused by the node. */
  order?: SignedOrder | undefined
}

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 })
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 })

function orderHeader(order: SignedOrder | undefined): string {
  if (order === undefined) throw new W3aiError('STORAGE_ORDER_INVALID', 'No order was issued for this piece.')
  return Buffer.from(JSON.stringify(order)).toString('base64url')
}

interface Answer {
  status: number
  body: Buffer
}

/**
 * One request to a node. A 200 answer whose length matches `into` is read straight into it (no
 * per-piece allocation; writing stops once `signal` aborts, so the caller may reuse the buffer).
 */
function call(
  t: PieceTarget,
  method: string,
  suffix: string,
  headers: Record<string, string>,
  body: Uint8Array | undefined,
  signal: AbortSignal | undefined,
  into?: Uint8Array,
): Promise<Answer> {
  const url = new URL(`${t.endpoint.replace(/\/+$/, '')}/v1/pieces/${t.cid}${suffix}`)
  const https = url.protocol === 'https:'
  const all: Record<string, string> = { ...headers, [HEADER_ORDER]: orderHeader(t.order) }
  if (body !== undefined) all['content-length'] = String(body.byteLength)
  return new Promise<Answer>((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      url,
      { method, headers: all, agent: https ? httpsAgent : httpAgent, ...(signal === undefined ? {} : { signal }) },
      (res: IncomingMessage) => {
        res.on('error', reject)
        const length = Number(res.headers['content-length'])
        if (into !== undefined && res.statusCode === 200 && length === into.byteLength) {
          let filled = 0
          res.on('data', (c: Buffer) => {
            if (signal?.aborted === true) return
            if (filled + c.byteLength > into.byteLength) return void res.destroy(new Error('the node sent more bytes than it announced'))
            into.set(c, filled)
            filled += c.byteLength
          })
          const view = Buffer.from(into.buffer, into.byteOffset, into.byteLength)
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: view.subarray(0, filled) }))
          return
        }
        const parts: Buffer[] = []
        res.on('data', (c: Buffer) => parts.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parts.length === 1 ? parts[0]! : Buffer.concat(parts) }))
      },
    )
    req.on('error', reject)
    req.end(body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.byteLength))
  })
}

function fail(a: Answer, what: string): never {
  let parsed: Partial<ErrorBody> | undefined
  try {
    parsed = JSON.parse(a.body.toString('utf8')) as Partial<ErrorBody>
  } catch {
    parsed = undefined
  }
  const e = parsed?.error
  if (e !== undefined && isErrorCode(e.code)) throw new W3aiError(e.code, e.message)
  throw new W3aiError('STORAGE_NOT_ENOUGH_NODES', `${what} failed with HTTP ${a.status}`)
}

/** Stores a piece at a node; resolves with the node's signed receipt. */
export async function putPiece(t: PieceTarget, bytes: Uint8Array, signal?: AbortSignal): Promise<SignedReceipt> {
  const a = await call(t, 'PUT', '', { 'content-type': 'application/octet-stream' }, bytes, signal)
  if (a.status !== 201) fail(a, `storing piece ${t.cid}`)
  return JSON.parse(a.body.toString('utf8')) as SignedReceipt
}

/**
 * Fetches a whole piece from a node (the caller verifies it against its CID), into `into` when
 * the piece has its size.
 */
export async function getPiece(t: PieceTarget, signal?: AbortSignal, into?: Uint8Array): Promise<Uint8Array> {
  const a = await call(t, 'GET', '', {}, undefined, signal, into)
  if (a.status !== 200) fail(a, `fetching piece ${t.cid}`)
  return a.body
}

export async function deletePiece(t: PieceTarget, signal?: AbortSignal): Promise<void> {
  const a = await call(t, 'DELETE', '', {}, undefined, signal)
  if (a.status !== 204 && a.status !== 404) fail(a, `deleting piece ${t.cid}`)
}

/** Asks a node to prove it holds one leaf of a piece. */
export async function auditPiece(t: PieceTarget, leafIndex: number, signal?: AbortSignal): Promise<AuditProof> {
  const body = Buffer.from(JSON.stringify({ leafIndex }))
  const a = await call(t, 'POST', '/audit', { 'content-type': 'application/json' }, body, signal)
  if (a.status !== 200) fail(a, `auditing piece ${t.cid}`)
  return JSON.parse(a.body.toString('utf8')) as AuditProof
}
