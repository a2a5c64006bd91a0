import { describe, expect, it } from 'vitest'
import { describeEvent, epochsOf, taskNodes, toneOf, type JobEvent } from '../src/jobs/history.js'

let clock = 0
const ev = (kind: string, taskId: string, nodeId: string | null, detail: unknown = null): JobEvent => ({ at: new Date(1_700_000_000_000 + clock++ * 1000).toISOString(), kind, taskId, nodeId, detail })
const epoch = (n: number, loss: number) => ({ kind: 'epoch', epoch: n, loss, acc: 1 - loss, valLoss: loss + 0.1, valAcc: 0.9 - loss })

describe('epochsOf', () => {
  it('reads per-epoch metrics from progress events, in epoch order', () => {
    const history = [ev('queued', 't1', null), ev('leased', 't1', 'n_a'), ev('progress', 't1', 'n_a', epoch(2, 0.5)), ev('progress', 't1', 'n_a', epoch(1, 0.9))]
    expect(epochsOf(history).map((p) => [p.epoch, p.loss])).toEqual([
      [1, 0.9],
      [2, 0.5],
    ])
    expect(epochsOf(history)[0]).toEqual({ epoch: 1, loss: 0.9, acc: 1 - 0.9, valLoss: 0.9 + 0.1, valAcc: 0.9 - 0.9 })
  })

  it("starts over with a retried attempt's epochs", () => {
    const history = [ev('leased', 't1', 'n_a'), ev('progress', 't1', 'n_a', epoch(1, 0.9)), ev('progress', 't1', 'n_a', epoch(2, 0.7)), ev('expired', 't1', 'n_a'), ev('leased', 't1', 'n_b'), ev('progress', 't1', 'n_b', epoch(1, 0.8))]
    expect(epochsOf(history).map((p) => p.loss)).toEqual([0.8])
  })

  it('follows the replica that succeeded when several report', () => {
    const history = [ev('leased', 't1', 'n_a'), ev('leased', 't2', 'n_b'), ev('progress', 't1', 'n_a', epoch(1, 0.4)), ev('progress', 't2', 'n_b', epoch(1, 0.6)), ev('succeeded', 't1', 'n_a')]
    expect(epochsOf(history).map((p) => p.loss)).toEqual([0.4])
  })

  it("falls back to a train result's history, and ignores progress that is not an epoch", () => {
    const result = { history: [{ epoch: 1, loss: 2, metrics: { loss: 2 } }, { epoch: 2, loss: 1, acc: 0.5, metrics: {} }] }
    expect(epochsOf([ev('progress', 't1', 'n_a', { kind: 'download', bytes: 10 })], result)).toEqual([
      { epoch: 1, loss: 2 },
      { epoch: 2, loss: 1, acc: 0.5 },
    ])
    expect(epochsOf([], null)).toEqual([])
  })
})

describe('taskNodes', () => {
  it('marks every node that leased a task, with how its attempt ended', () => {
    const history = [ev('leased', 't1', 'n_a'), ev('expired', 't1', 'n_a', { code: 'LEASE_EXPIRED' }), ev('leased', 't1', 'n_b'), ev('retrying', 't1', 'n_b'), ev('leased', 't1', 'n_c'), ev('succeeded', 't1', 'n_c'), ev('leased', 't2', 'n_d'), ev('speculated', 't2', null)]
    expect(Object.fromEntries(taskNodes(history))).toEqual({ n_a: 'failed', n_b: 'failed', n_c: 'succeeded', n_d: 'running' })
  })
})

describe('timeline', () => {
  it('highlights retries, expirations and speculation', () => {
    expect(['retrying', 'expired', 'speculated'].map(toneOf)).toEqual(['warn', 'warn', 'warn'])
    expect([toneOf('succeeded'), toneOf('failed'), toneOf('leased'), toneOf('cancelled')]).toEqual(['ok', 'bad', 'info', 'muted'])
  })

  it('describes event details in words', () => {
    expect(describeEvent(ev('progress', 't', 'n', epoch(3, 0.25)))).toBe('epoch 3 · loss 0.250 · acc 75.0% · val loss 0.350 · val acc 65.0%')
    expect(describeEvent(ev('retrying', 't', 'n', { code: 'COMPUTE_TIMEOUT', message: 'too slow' }))).toBe('COMPUTE_TIMEOUT: too slow')
    expect(describeEvent(ev('leased', 't', 'n', { attempt: 2 }))).toBe('attempt 2')
    expect(describeEvent(ev('queued', 't', null, { assignedNode: 'n_0123456789abcdef0123' }), () => 'node-3')).toBe('assigned to node-3')
    expect(describeEvent(ev('queued', 't', null, { reason: 'tie-breaker' }))).toBe('tie-breaker')
  })
})
