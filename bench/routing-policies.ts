/**
 * Routing-policy benchmark: one simulated heterogeneous fleet (speeds, failure rates, locations,
 * cores) and ONE task trace (arrivals, work sizes, requester locations), replayed for each policy:
 * random, round-robin, least-loaded (the baseline) and the learned router (`Router.place` with
 * `recordOutcome` feedback). Failures cost a retry on another node; latency grows with distance.
 * Deterministic for a seed.
 *
 *   npm run bench -- routing-policies [--nodes 300] [--tasks 20000] [--utilization 0.6] [--seed 1]
 */
import { parseArgs } from 'node:util'
import { generateFleet, generateTrace, learnedPolicy, leastLoadedPolicy, randomPolicy, roundRobinPolicy, simulate, type SimResult } from '@w3ai/router'
import { printTable, writeResult } from './lib/report.js'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '300' },
    tasks: { type: 'string', default: '20000' },
    utilization: { type: 'string', default: '0.6' },
    seed: { type: 'string', default: '1' },
  },
})
const SEED = Number(values.seed)
const fleet = generateFleet({ nodes: Number(values.nodes), seed: SEED })
const trace = generateTrace(fleet, { tasks: Number(values.tasks), seed: SEED + 1, utilization: Number(values.utilization) })
const stragglers = fleet.filter((n) => n.msPerWork > 250).length
const flaky = fleet.filter((n) => n.failureRate >= 0.4).length
console.log(`${fleet.length} nodes (${stragglers} stragglers, ${flaky} flaky), ${trace.length.toLocaleString('en-US')} tasks over ${(trace.at(-1)!.arrivalMs / 1000).toFixed(1)} s simulated, utilization ${values.utilization}, seed ${SEED}`)

const results: SimResult[] = []
for (const policy of [randomPolicy(SEED + 10), roundRobinPolicy(), leastLoadedPolicy(SEED + 12), learnedPolicy({}, SEED + 16)]) {
  const t0 = performance.now()
  const r = simulate(fleet, trace, policy, { seed: SEED + 2 })
  results.push(r)
  console.log(`  ${r.policy}: simulated in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}
const base = results.find((r) => r.policy === 'least-loaded')!
const learned = results.find((r) => r.policy === 'learned router')!
printTable('routing policies (same fleet, same trace)', ['policy', 'mean ms', 'p50 ms', 'p99 ms', 'p99 vs least-loaded', 'failed attempts', 'failed tasks'], results.map((r) => [
  r.policy + (r === base ? ' (baseline)' : ''),
  Math.round(r.meanMs),
  Math.round(r.p50Ms),
  Math.round(r.p99Ms),
  `${(r.p99Ms / base.p99Ms).toFixed(2)}x`,
  r.failedAttempts,
  r.failedTasks,
]))
const p99Reduction = 1 - learned.p99Ms / base.p99Ms
console.log(`\nlearned router p99 is ${(p99Reduction * 100).toFixed(1)}% below least-loaded (target ≥ 30%)`)
const round = (r: SimResult): Record<string, number> => ({
  tasks: r.tasks,
  completed: r.completed,
  failedTasks: r.failedTasks,
  attempts: r.attempts,
  failedAttempts: r.failedAttempts,
  meanMs: Math.round(r.meanMs),
  p50Ms: Math.round(r.p50Ms),
  p99Ms: Math.round(r.p99Ms),
})
const path = await writeResult('routing-policies', {
  nodes: fleet.length,
  tasks: trace.length,
  utilization: Number(values.utilization),
  seed: SEED,
  policies: Object.fromEntries(results.map((r) => [r.policy, round(r)])),
  learnedP99ReductionVsLeastLoaded: Number(p99Reduction.toFixed(4)),
})
console.log(`wrote ${path}`)
