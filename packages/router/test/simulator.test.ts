import { describe, expect, it } from 'vitest'
import { eligible, generateFleet, generateTrace, learnedPolicy, leastLoadedPolicy, oraclePolicy, powerOfTwoPolicy, randomPolicy, replayRecorded, roundRobinPolicy, simulate, type RecordedTrace } from '../src/index.js'

describe('routing simulator', () => {
  const fleet = generateFleet({ nodes: 120, seed: 4 })
  const trace = generateTrace(fleet, { tasks: 4000, seed: 5 })

  it('builds a heterogeneous fleet and a time-ordered trace from a seed', () => {
    expect(fleet).toHaveLength(120)
    expect(new Set(fleet.map((n) => n.region)).size).toBeGreaterThan(4)
    expect(Math.max(...fleet.map((n) => n.msPerWork)) / Math.min(...fleet.map((n) => n.msPerWork))).toBeGreaterThan(4)
    expect(fleet.some((n) => n.failureRate >= 0.4)).toBe(true)
    for (let i = 1; i < trace.length; i++) expect(trace[i]!.arrivalMs).toBeGreaterThanOrEqual(trace[i - 1]!.arrivalMs)
    expect(generateFleet({ nodes: 120, seed: 4 })).toEqual(fleet)
  })

  it('replays the same trace deterministically, completing every task under every policy', () => {
    for (const make of [randomPolicy, roundRobinPolicy, leastLoadedPolicy, powerOfTwoPolicy, oraclePolicy]) {
      const a = simulate(fleet, trace, make())
      expect(simulate(fleet, trace, make())).toEqual(a)
      expect(a.completed + a.failedTasks).toBe(trace.length)
      expect(a.attempts).toBe(a.completed + a.failedAttempts)
    }
  })

  it('only ever runs a task on an eligible node, and retries failures elsewhere', () => {
    const seen: Array<[number, number]> = []
    const r = simulate(fleet, trace, learnedPolicy(), { onComplete: (task, _ms, _attempts, node) => seen.push([task.id, node]) })
    for (const [id, node] of seen) expect(eligible(fleet[node]!, trace[id]!)).toBe(true)
    expect(r.failedAttempts).toBeGreaterThan(0)
    expect(r.completed).toBe(trace.length)
  })

  it('the learned router beats least-loaded on tail latency and failed attempts', () => {
    const base = simulate(fleet, trace, leastLoadedPolicy())
    const learned = simulate(fleet, trace, learnedPolicy())
    expect(learned.p99Ms).toBeLessThan(base.p99Ms * 0.85)
    expect(learned.failedAttempts).toBeLessThan(base.failedAttempts)
    expect(learned.meanMs).toBeLessThan(base.meanMs)
  })

  it('reports every attempt with when it was sent, started and ended', () => {
    let seen = 0
    let ok = 0
    const r = simulate(fleet, trace, leastLoadedPolicy(), {
      onAttempt: (task, attempt, _node, t) => {
        seen++
        if (t.ok) ok++
        expect(attempt).toBeGreaterThanOrEqual(1)
        expect(t.dispatchedAt).toBeGreaterThanOrEqual(task.arrivalMs)
        expect(t.startedAt).toBeGreaterThan(t.dispatchedAt)
        expect(t.finishedAt).toBeGreaterThanOrEqual(t.startedAt)
      },
    })
    expect(seen).toBe(r.attempts)
    expect(ok).toBe(r.completed)
  })

  it('leaves warm-up tasks out of the statistics but not out of the run', () => {
    const warmupMs = trace[1000]!.arrivalMs
    const all = simulate(fleet, trace, leastLoadedPolicy())
    let late = 0
    const warm = simulate(fleet, trace, leastLoadedPolicy(), { warmupMs, onComplete: (task) => void (task.arrivalMs >= warmupMs && late++) })
    expect(warm.completed).toBe(all.completed)
    expect(warm.attempts).toBe(all.attempts)
    expect(warm.measured).toBe(late)
    expect(late).toBeLessThan(all.completed)
    expect(warm.coldP99Ms).toBe(all.p99Ms)
  })

  it('the oracle, knowing true speeds and failure rates, beats least-loaded and power-of-two', () => {
    const oracle = simulate(fleet, trace, oraclePolicy())
    for (const make of [leastLoadedPolicy, powerOfTwoPolicy]) {
      const other = simulate(fleet, trace, make())
      expect(oracle.p99Ms).toBeLessThan(other.p99Ms)
      expect(oracle.meanMs).toBeLessThan(other.meanMs)
    }
  })

  it('replays a recorded devnet trace: observed speeds and failure shares, tasks repeated in order', () => {
    const recording: RecordedTrace = {
      nodes: [
        { name: 'fast', region: 'eu-west', location: { lat: 51, lon: 0 }, slots: 2, memoryGb: 4, attempts: 10, failures: 0, medianMsPerWork: 100 },
        { name: 'flaky', region: 'us-east', location: { lat: 39, lon: -77 }, slots: 1, memoryGb: 4, attempts: 10, failures: 5, medianMsPerWork: 300 },
        { name: 'idle', region: 'ap-south', location: { lat: 19, lon: 73 }, slots: 1, memoryGb: 4, attempts: 0, failures: 0, medianMsPerWork: null },
      ],
      tasks: [
        { arrivalMs: 100, work: 2 },
        { arrivalMs: 300, work: 1 },
      ],
    }
    const { fleet: f, trace: t } = replayRecorded(recording, 3)
    expect(f.map((n) => [n.cores, n.msPerWork, n.failureRate])).toEqual([
      [2, 100, 0],
      [1, 300, 0.5],
      [1, 300, 0],
    ])
    expect(t.map((x) => x.arrivalMs)).toEqual([0, 200, 400, 600, 800, 1000])
    expect(t.map((x) => x.work)).toEqual([2, 1, 2, 1, 2, 1])
    const r = simulate(f, t, learnedPolicy())
    expect(r.completed + r.failedTasks).toBe(t.length)
  })
})
