import { generateIdentity } from '@w3ai/crypto'
import { describe, expect, it } from 'vitest'
import { chainGovernanceEvent, EMPTY_GOVERNANCE_HEAD, verifyGovernanceLog, type GovernanceEvent } from '../src/governance/index.js'

const hub = generateIdentity('node')

function log(): GovernanceEvent[] {
  const steps = [
    { proposalId: null, kind: 'genesis', data: { values: { burnShareBps: '2000', feeRateBps: '500' } } },
    { proposalId: 'gp_1', kind: 'proposed', data: { changes: [{ name: 'burnShareBps', value: '2500' }] } },
    { proposalId: 'gp_1', kind: 'voted', data: { voter: 'a_1', support: 'for', weight: '1000' } },
    { proposalId: 'gp_1', kind: 'queued', data: { for: '1000', against: '0', abstain: '0' } },
    { proposalId: 'gp_1', kind: 'executed', data: { changes: [{ name: 'burnShareBps', value: '2500' }] } },
  ] as const
  const out: GovernanceEvent[] = []
  let head = EMPTY_GOVERNANCE_HEAD
  for (const s of steps) {
    const e = chainGovernanceEvent({ ...s, data: structuredClone(s.data) as Record<string, unknown>, at: new Date(1_700_000_000_000 + out.length).toISOString() }, head, hub)
    out.push(e)
    head = { seq: e.seq, hash: e.hash }
  }
  return out
}

describe('governance log', () => {
  it('verifies an intact chain and replays the parameters it sets', () => {
    const report = verifyGovernanceLog({ events: log(), hubKeys: [hub.publicKey] })
    expect(report).toMatchObject({ ok: true, events: 5, problems: [] })
    expect(report.parameters).toEqual({ burnShareBps: '2500', feeRateBps: '500' })
  })

  it('catches a changed, deleted or reordered event, and a signer that is not a known hub', () => {
    const changed = log()
    ;(changed[2] as GovernanceEvent).data = { voter: 'a_1', support: 'for', weight: '999999' }
    expect(verifyGovernanceLog({ events: changed, hubKeys: [hub.publicKey] }).problems.map((p) => p.seq)).toContain(3)

    const deleted = log()
    deleted.splice(1, 1)
    expect(verifyGovernanceLog({ events: deleted, hubKeys: [hub.publicKey] }).ok).toBe(false)

    const reordered = log()
    ;[reordered[2], reordered[3]] = [reordered[3] as GovernanceEvent, reordered[2] as GovernanceEvent]
    expect(verifyGovernanceLog({ events: reordered, hubKeys: [hub.publicKey] }).ok).toBe(false)

    const other = generateIdentity('node')
    const report = verifyGovernanceLog({ events: log(), hubKeys: [other.publicKey] })
    expect(report.ok).toBe(false)
    expect(report.problems.every((p) => p.code === 'GOV_LOG_BROKEN')).toBe(true)

    // Re-hashing a changed event does not help: the signature no longer matches.
    const resealed = log()
    const e = resealed[4] as GovernanceEvent
    e.data = { changes: [{ name: 'burnShareBps', value: '9000' }] }
    expect(verifyGovernanceLog({ events: resealed, hubKeys: [hub.publicKey] }).ok).toBe(false)
  })
})
