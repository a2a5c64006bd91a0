import { describe, expect, it } from 'vitest'
import { eligible, generateFleet, generateTrace, learnedPolicy, leastLoadedPolicy, randomPolicy, roundRobinPolicy, simulate } from '../src/index.js'

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
    for (const make of [randomPolicy, roundRobinPolicy, leastLoadedPolicy]) {
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
})
