/**
 * The governance log anyone can verify: every step (genesis values, proposed, voted, queued,
 * defeated, executed, cancelled) is one event chained to the one before by its hash
 * (sha256 of prev ‖ canonicalJson(event body)) and signed by the hub that recorded it. The ledger
 * journal carries only transfers of a positive amount, so governance keeps this chain of its own;
 * replaying its genesis and executed events gives the parameter table.
 */
import { createHash } from 'node:crypto'
import { canonicalJson, signObject, verifyObject, type Identity } from '@w3ai/crypto'
import { ZERO_HASH } from '../journal.js'

export type GovernanceEventKind = 'genesis' | 'proposed' | 'voted' | 'cancelled' | 'defeated' | 'queued' | 'executed'
export const GOVERNANCE_EVENT_KINDS: readonly GovernanceEventKind[] = ['genesis', 'proposed', 'voted', 'cancelled', 'defeated', 'queued', 'executed']

/** JSON data of an event: strings, numbers, booleans, null, arrays and objects of them (amounts as decimal strings). */
export type EventData = Record<string, unknown>

export interface GovernanceEventBody {
  /** 1, 2, 3, … without gaps. */
  seq: number
  /** The proposal the step belongs to; null for genesis values. */
  proposalId: string | null
  kind: GovernanceEventKind
  data: EventData
  /** When it was recorded (ISO). */
  at: string
  /** The hash of the event before (64 zeros for seq 1). */
  prev: string
}

export interface GovernanceEvent extends GovernanceEventBody {
  hash: string
  /** The hub key that signed it. */
  hubKey: string
  /** ed25519 by hubKey over canonicalJson(the event without signature). */
  signature: string
}

export interface GovernanceHead {
  seq: number
  hash: string
}

export const EMPTY_GOVERNANCE_HEAD: GovernanceHead = Object.freeze({ seq: 0, hash: ZERO_HASH })

function bodyOf(e: GovernanceEventBody): GovernanceEventBody {
  return { seq: e.seq, proposalId: e.proposalId, kind: e.kind, data: e.data, at: e.at, prev: e.prev }
}

/** The hash an event must carry. */
export function governanceEventHash(e: GovernanceEventBody): string {
  return createHash('sha256').update(e.prev + canonicalJson(bodyOf(e))).digest('hex')
}

/** The next event after `head`, hashed and signed by `hub`. */
export function chainGovernanceEvent(
  fields: Pick<GovernanceEventBody, 'proposalId' | 'kind' | 'data' | 'at'>,
  head: GovernanceHead,
  hub: Pick<Identity, 'publicKey' | 'signingKey'>,
): GovernanceEvent {
  const body: GovernanceEventBody = { seq: head.seq + 1, proposalId: fields.proposalId, kind: fields.kind, data: fields.data, at: fields.at, prev: head.hash }
  const unsigned = { ...body, hash: governanceEventHash(body), hubKey: hub.publicKey }
  return { ...unsigned, signature: signObject(hub, unsigned) }
}

export interface GovernanceLogProblem {
  code: 'GOV_LOG_BROKEN'
  seq: number
  message: string
}

export interface GovernanceLogReport {
  ok: boolean
  events: number
  /** Parameter values replayed from genesis and executed events (decimal strings). */
  parameters: Record<string, string>
  problems: GovernanceLogProblem[]
}

/**
 * Checks a governance log from its first event: seqs without gaps, each prev naming the hash
 * before, each hash recomputed, each signature by one of `hubKeys`. Replays the parameters.
 */
export function verifyGovernanceLog(input: { events: readonly GovernanceEvent[]; hubKeys: readonly string[] }): GovernanceLogReport {
  const keys = new Set(input.hubKeys)
  const problems: GovernanceLogProblem[] = []
  const parameters: Record<string, string> = {}
  const broken = (seq: number, message: string): void => {
    problems.push({ code: 'GOV_LOG_BROKEN', seq, message })
  }
  let head: GovernanceHead = EMPTY_GOVERNANCE_HEAD
  for (const e of input.events) {
    if (e.seq !== head.seq + 1) broken(e.seq, `event ${e.seq} follows ${head.seq}: an event is missing or out of order`)
    if (e.prev !== head.hash) broken(e.seq, `event ${e.seq} does not name the hash of the event before it`)
    let hash: string | undefined
    try {
      hash = governanceEventHash(e)
    } catch {
      hash = undefined
    }
    if (hash !== e.hash) broken(e.seq, `event ${e.seq} was changed: its hash does not match its content`)
    const { signature, ...unsigned } = e
    if (!keys.has(e.hubKey)) broken(e.seq, `event ${e.seq} is signed by ${e.hubKey}, not a known hub key`)
    else if (!verifyObject(e.hubKey, unsigned, signature)) broken(e.seq, `event ${e.seq} has a bad signature`)
    replay(e, parameters)
    head = { seq: e.seq, hash: e.hash }
  }
  return { ok: problems.length === 0, events: input.events.length, parameters, problems }
}

function replay(e: GovernanceEvent, parameters: Record<string, string>): void {
  if (e.kind === 'genesis') {
    const values = e.data.values
    if (values !== null && typeof values === 'object') for (const [k, v] of Object.entries(values)) if (typeof v === 'string') parameters[k] = v
  } else if (e.kind === 'executed' && Array.isArray(e.data.changes)) {
    for (const c of e.data.changes as Array<{ name?: unknown; value?: unknown }>) if (typeof c.name === 'string' && typeof c.value === 'string') parameters[c.name] = c.value
  }
}
