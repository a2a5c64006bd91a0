import { splitFee } from '@w3ai/ledger'
import { describe, expect, it } from 'vitest'
import { slashTransfers } from '../src/domains/staking/slashing.js'
import { nextStretch, stretchPlan, stretchValue, type StretchInput } from '../src/domains/storage/rewards-plan.js'

const params = { feeRateBps: 500, treasuryShareBps: 3000, burnShareBps: 2000, storageRewardPerGiBEpoch: 10n ** 15n }
const upload = 'u_0123456789abcdef01234567'
const nodeA = 'n_aaaaaaaaaaaaaaaaaaaa'
const nodeB = 'n_bbbbbbbbbbbbbbbbbbbb'

const input = (over: Partial<StretchInput> = {}): StretchInput => ({
  uploadId: upload,
  amount: 3_600_000_000_000_007n,
  durationMs: 3_600_000,
  storedBytes: 3000,
  from: 1_700_000_000_000,
  to: 1_700_000_010_000,
  epochMs: 10_000,
  proven: [
    { nodeId: nodeA, bytes: 1000 },
    { nodeId: nodeB, bytes: 1000 },
  ],
  params,
  ...over,
})

describe('storage payments: the maths of one stretch', () => {
  it('pays each proven node its share of the stretch, split by the fee, in one linked chain from the escrow', () => {
    const plan = stretchPlan(input())
    const value = stretchValue(3_600_000_000_000_007n, 3_600_000, 0, 10_000)
    expect(value).toBe(10_000_000_000_000n)
    const gross = (value * 1000n) / 3000n
    const split = splitFee(gross, params)
    const chain = plan.filter((t) => t.id.startsWith('st:'))
    expect(chain.map((t) => [t.id, t.credit, t.amount, t.kind])).toEqual([
      [`st:${(1_700_000_010_000).toString(36)}:${upload}:${nodeA}`, `node:${nodeA}`, split.nodes.toString(), 'settle'],
      [`st:${(1_700_000_010_000).toString(36)}:${upload}:${nodeB}`, `node:${nodeB}`, split.nodes.toString(), 'settle'],
      [`st:${(1_700_000_010_000).toString(36)}:${upload}:t`, 'treasury', (2n * split.treasury).toString(), 'fee'],
      [`st:${(1_700_000_010_000).toString(36)}:${upload}:b`, 'burn', (2n * split.burn).toString(), 'burn'],
    ])
    expect(chain.every((t) => t.debit === `escrow:st:${upload}`)).toBe(true)
    expect(chain.map((t) => t.linked === true)).toEqual([true, true, true, false])
    // To the unit: what leaves the escrow is the two nodes' gross shares; the unproven third stays.
    expect(chain.reduce((s, t) => s + BigInt(t.amount), 0n)).toBe(2n * gross)
    for (const t of plan) expect(t.id.length).toBeLessThanOrEqual(64)
  })

  it('adds the treasury reward per proven GiB and epoch, pro rata of the stretch, each on its own', () => {
    const gib = 1024 ** 3
    const plan = stretchPlan(input({ storedBytes: 2 * gib, proven: [{ nodeId: nodeA, bytes: gib }], from: 1_700_000_005_000 }))
    const reward = plan.filter((t) => t.id.startsWith('sw:'))
    expect(reward).toEqual([{ id: `sw:${(1_700_000_010_000).toString(36)}:${upload}:${nodeA}`, debit: 'treasury', credit: `node:${nodeA}`, amount: (10n ** 15n / 2n).toString(), kind: 'reward', memo: 'storage reward: proven pieces' }])
  })

  it('pays nothing for nodes without proven pieces, and nothing when the stretch is worth nothing', () => {
    expect(stretchPlan(input({ proven: [] }))).toEqual([])
    expect(stretchPlan(input({ amount: 1n, params: { ...params, storageRewardPerGiBEpoch: 0n } }))).toEqual([])
  })

  it('sums the stretches of a whole period to at most the escrow (the rest is refunded)', () => {
    const amount = 999_999_999_999_999_999n
    const durationMs = 3_600_000
    let paid = 0n
    const start = 1_700_000_001_234
    const end = start + durationMs
    let paidUntil = start
    // An upkeep round each epoch: every stretch starts where the last one ended.
    for (let now = start; paidUntil < end; now += 7_000) {
      const s = nextStretch(paidUntil, end, now, 7_000)
      if (s === undefined) continue
      expect(s.from).toBe(paidUntil)
      paid += stretchValue(amount, durationMs, s.from, s.to)
      paidUntil = s.to
    }
    expect(paid).toBeLessThanOrEqual(amount)
    expect(amount - paid).toBeLessThan(1000n)
  })

  it('runs a stretch from what is paid to the last epoch boundary, never more than one epoch back', () => {
    expect(nextStretch(10_000, 100_000, 25_000, 10_000)).toEqual({ from: 10_000, to: 20_000 })
    expect(nextStretch(20_000, 100_000, 25_000, 10_000)).toBeUndefined()
    expect(nextStretch(10_000, 100_000, 65_000, 10_000)).toEqual({ from: 50_000, to: 60_000 })
    expect(nextStretch(95_000, 100_000, 130_000, 10_000)).toEqual({ from: 95_000, to: 100_000 })
    expect(nextStretch(12_345, 100_000, 20_001, 10_000)).toEqual({ from: 12_345, to: 20_000 })
  })
})

describe('slashing: the transfers of one slash', () => {
  it('takes bps of every stake account to the burn, linked, under ids derived from the event', () => {
    const t = slashTransfers('a:n_aaaaaaaaaaaaaaaaaaaa:3', 'audit', 500, [
      { id: `stake:${nodeA}`, entryId: null, balance: 105n * 10n ** 18n },
      { id: `stake:${nodeA}:ub_00000000000000000001`, entryId: 'ub_00000000000000000001', balance: 19n },
      { id: `stake:${nodeA}:ub_00000000000000000002`, entryId: 'ub_00000000000000000002', balance: 40n },
    ])
    expect(t.map((x) => [x.id, x.debit, x.credit, x.amount, x.linked === true])).toEqual([
      ['slash:a:n_aaaaaaaaaaaaaaaaaaaa:3', `stake:${nodeA}`, 'burn', 5_250_000_000_000_000_000n, true],
      ['slash:a:n_aaaaaaaaaaaaaaaaaaaa:3:ub_00000000000000000002', `stake:${nodeA}:ub_00000000000000000002`, 'burn', 2n, false],
    ])
    expect(t.every((x) => x.kind === 'slash' && x.id.length <= 64)).toBe(true)
  })

  it('hashes a long event into a short id, the same every time', () => {
    const ref = `r:j_${'0'.repeat(24)}:${nodeB}`
    const [a] = slashTransfers(ref, 'result', 5000, [{ id: `stake:${nodeB}`, entryId: null, balance: 10n }])
    const [b] = slashTransfers(ref, 'result', 5000, [{ id: `stake:${nodeB}`, entryId: null, balance: 10n }])
    expect(a!.id).toMatch(/^slash:[0-9a-f]{32}$/)
    expect(a).toEqual(b)
    expect(a!.amount).toBe(5n)
    expect(slashTransfers(ref, 'result', 5000, [{ id: `stake:${nodeB}`, entryId: null, balance: 1n }])).toEqual([])
  })
})
