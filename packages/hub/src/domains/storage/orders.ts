/** Piece orders: what the hub signs so a client (or the hub itself) may act on one piece at one node. */
import { randomBytes } from 'node:crypto'
import { signObject, type Identity } from '@w3ai/crypto'
import { STORAGE_DEFAULTS, type PieceOrder, type SignedOrder } from '@w3ai/protocol'

export function issueOrder(
  networkKey: Identity,
  action: PieceOrder['action'],
  pieceCid: string,
  nodeId: string,
  maxSize: number,
  ttlMs: number = STORAGE_DEFAULTS.orderTtlMs,
): SignedOrder {
  const order: PieceOrder = { v: 1, action, pieceCid, nodeId, maxSize, expiresAt: Date.now() + ttlMs, serial: randomBytes(16).toString('base64url') }
  return { order, signature: signObject(networkKey, order) }
}

export function orderHeader(order: SignedOrder): string {
  return Buffer.from(JSON.stringify(order)).toString('base64url')
}
