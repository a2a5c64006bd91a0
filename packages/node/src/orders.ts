/**
 * Piece orders: the hub's signed permission for one action on one piece at this node. A node
 * serves nothing without one, and a put or delete order works once.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { verifyObject } from '@w3ai/crypto'
import { SignedOrderSchema, W3aiError, type PieceOrder, type SignedOrder } from '@w3ai/protocol'

export type OrderAction = PieceOrder['action']

export interface OrderVerifierComponents {
  /** This node's id (`n_…`). */
  nodeId: () => string
  /** The network's order key (ed25519, base64url), or undefined until the hub has sent it. */
  orderKey: () => string | undefined
  now?: () => number
}

const checkSignedOrder = TypeCompiler.Compile(SignedOrderSchema)
/** Serials are single-use only for actions that change what the node stores. */
const SINGLE_USE: ReadonlySet<OrderAction> = new Set(['put', 'delete'])
/** An encoded order is well under this; anything longer is refused before decoding. */
const MAX_HEADER_LENGTH = 16 * 1024

function invalid(message: string): W3aiError {
  return new W3aiError('STORAGE_ORDER_INVALID', message)
}

/** Decodes the `x-w3ai-order` header (base64url of the SignedOrder JSON) and checks its shape. */
export function decodeOrderHeader(header: string | string[] | undefined): SignedOrder {
  if (header === undefined || header === '') throw invalid('Send the piece order from the hub in the x-w3ai-order header.')
  if (Array.isArray(header) || header.length > MAX_HEADER_LENGTH || !/^[A-Za-z0-9_-]+$/.test(header)) {
    throw invalid('The x-w3ai-order header must be one base64url-encoded signed order.')
  }
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'))
  } catch {
    throw invalid('The x-w3ai-order header is not base64url-encoded JSON.')
  }
  if (!checkSignedOrder.Check(value)) {
    const first = checkSignedOrder.Errors(value).First()
    throw invalid(`The order does not match the schema${first === undefined ? '' : `: ${first.path} ${first.message}`}.`)
  }
  return value
}

/** Encodes a signed order for the `x-w3ai-order` header. */
export function encodeOrderHeader(signed: SignedOrder): string {
  return Buffer.from(JSON.stringify(signed), 'utf8').toString('base64url')
}

export class OrderVerifier {
  /** Spent serials of put/delete orders and when their orders expire (then they can be forgotten). */
  private readonly spent = new Map<string, number>()
  private nextPruneAt = 0
  private readonly now: () => number

  constructor(private readonly c: OrderVerifierComponents) {
    this.now = c.now ?? Date.now
  }

  /**
   * Checks an order header for `action` on `pieceCid` and returns the order; a put or delete
   * order's serial is spent by this call (see release()).
   */
  verify(header: string | string[] | undefined, action: OrderAction, pieceCid: string): PieceOrder {
    const orderKey = this.c.orderKey()
    if (orderKey === undefined) {
      throw invalid('This node is not connected to a hub yet, so it cannot check piece orders; try again shortly.')
    }
    const { order, signature } = decodeOrderHeader(header)
    if (!verifyObject(orderKey, order, signature)) throw invalid('The order is not signed by the network order key.')
    if (order.nodeId !== this.c.nodeId()) throw invalid(`The order is for node ${order.nodeId}, not this node.`)
    if (order.pieceCid !== pieceCid) throw invalid(`The order is for piece ${order.pieceCid}, not ${pieceCid}.`)
    if (order.action !== action) throw invalid(`The order allows ${order.action}, not ${action}.`)
    const now = this.now()
    if (order.expiresAt <= now) throw new W3aiError('STORAGE_ORDER_EXPIRED')
    if (SINGLE_USE.has(action)) {
      this.prune(now)
      if (this.spent.has(order.serial)) throw invalid('This order was already used; ask the hub for a new one.')
      this.spent.set(order.serial, order.expiresAt)
    }
    return order
  }

  /** Makes a spent serial usable again, for an attempt that changed nothing (a failed upload). */
  release(order: PieceOrder): void {
    this.spent.delete(order.serial)
  }

  /** The network's order key, which also signs the hubs' requests to list this node's pieces. */
  networkKey(): string | undefined {
    return this.c.orderKey()
  }

  /** How many serials are remembered (for tests and metrics). */
  get spentCount(): number {
    return this.spent.size
  }

  private prune(now: number): void {
    // An expired order is refused anyway, so its serial need not be remembered; once a second is enough.
    if (now < this.nextPruneAt) return
    this.nextPruneAt = now + 1000
    for (const [serial, expiresAt] of this.spent) if (expiresAt <= now) this.spent.delete(serial)
  }
}
