/**
 * Direct tickets at the serving node: a caller may skip the hub when it carries a ticket the hub
 * signed with the network key for this deployment on this node, before its expiry, signed by the
 * key the ticket names, and within the ticket's calls. A ticket's signature is checked once and
 * remembered until it expires, so a call costs a map lookup and the request's own signature.
 */
import { verifyObject } from '@w3ai/crypto'
import { W3aiError, type ServingTicket } from '@w3ai/protocol'

export interface TicketBookComponents {
  networkKey: () => string | undefined
  nodeId: () => string
  now: () => number
}

interface Known {
  ticket: ServingTicket
  used: number
}

const MAX_HEADER = 4096
const TICKET_ID = /^t_[0-9a-f]{16,64}$/

export class TicketBook {
  /** Verified tickets by header value, with calls used; forgotten once expired. */
  private readonly known = new Map<string, Known>()
  private nextPrune = 0

  constructor(private readonly c: TicketBookComponents) {}

  /**
   * Checks a ticket from the headers alone (before the body is read): genuine, unexpired, for
   * this deployment on this node, and presented by its caller. Returns it; throws TICKET_*.
   */
  check(header: string, deploymentId: string, signer: string | undefined): ServingTicket {
    const now = this.c.now()
    this.prune(now)
    const ticket = this.known.get(header)?.ticket ?? this.verify(header)
    if (ticket.expiresAt <= now) throw new W3aiError('TICKET_EXPIRED', `The ticket expired at ${new Date(ticket.expiresAt).toISOString()}; ask the hub for a new one.`)
    if (ticket.deployment !== deploymentId || ticket.node !== this.c.nodeId()) {
      throw new W3aiError('TICKET_WRONG_DEPLOYMENT', `The ticket is for deployment ${ticket.deployment} on node ${ticket.node}; this is ${deploymentId} on ${this.c.nodeId()}.`)
    }
    if (signer !== ticket.caller) throw new W3aiError('TICKET_WRONG_CALLER')
    if (!this.known.has(header)) this.known.set(header, { ticket, used: 0 })
    return ticket
  }

  /** Counts one call under a checked ticket; TICKET_EXHAUSTED past its allowance. */
  use(header: string): void {
    const k = this.known.get(header)
    if (k === undefined) throw new W3aiError('TICKET_EXPIRED')
    if (k.used >= k.ticket.calls) throw new W3aiError('TICKET_EXHAUSTED', `The ticket's ${k.ticket.calls} call(s) are used up; ask the hub for a new one.`)
    k.used++
  }

  private verify(header: string): ServingTicket {
    const key = this.c.networkKey()
    if (key === undefined) throw new W3aiError('AUTH_WRONG_IDENTITY', 'This node does not know the network key yet.')
    const ticket = parse(header)
    const { signature, ...body } = ticket
    if (!verifyObject(key, body, signature)) throw new W3aiError('TICKET_BAD_SIGNATURE')
    return ticket
  }

  private prune(now: number): void {
    if (now < this.nextPrune) return
    for (const [h, k] of this.known) if (k.ticket.expiresAt <= now) this.known.delete(h)
    this.nextPrune = now + 10_000
  }
}

/** The ticket in a header value (base64url of its JSON); TICKET_MALFORMED for anything else. */
export function parse(header: string): ServingTicket {
  if (header.length > MAX_HEADER || !/^[A-Za-z0-9_-]+$/.test(header)) throw new W3aiError('TICKET_MALFORMED')
  let t: Record<string, unknown>
  try {
    t = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    throw new W3aiError('TICKET_MALFORMED')
  }
  const ok =
    t !== null && typeof t === 'object' && t.v === 1 && typeof t.id === 'string' && TICKET_ID.test(t.id) &&
    typeof t.deployment === 'string' && typeof t.node === 'string' && typeof t.caller === 'string' &&
    Number.isSafeInteger(t.expiresAt) && Number.isSafeInteger(t.calls) && (t.calls as number) > 0 && typeof t.signature === 'string' &&
    Object.keys(t).length === 8
  if (!ok) throw new W3aiError('TICKET_MALFORMED')
  return t as unknown as ServingTicket
}
