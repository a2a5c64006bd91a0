/**
 * Router benchmark: 120,000 simulated nodes (varied executors, regions, GPUs, memory, load,
 * status, prices) in the router's index; a stream of varied tasks placed one by one, each timed
 * with process.hrtime.bigint, with a heartbeat (load update) and an outcome recorded between
 * placements. Baseline in the same run: a full scan of every node per task with the same
 * constraints and score (`placeExhaustive`), which also gives the quality of the sampled choice
 * (`sampledScoreVsScan`; the sampled placement reads the index's best quality tiers first) and
 * `speedupVsScan` (placements/s over the scan's).
 *
 *   npm run bench -- router [--nodes 120000] [--placements 200000] [--scans 300] [--seed 7] [--sample-size N]
 */
import { parseArgs } from 'node:util'
import { createRandom, createRouter } from '@w3ai/router'
import { makeNodes, makeTasks } from './lib/router-fleet.js'
import { printTable, writeResult } from './lib/report.js'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '120000' },
    placements: { type: 'string', default: '200000' },
    scans: { type: 'string', default: '300' },
    seed: { type: 'string', default: '7' },
    'sample-size': { type: 'string' },
  },
})
const N = Number(values.nodes)
const PLACEMENTS = Number(values.placements)
const SCANS = Number(values.scans)
const SEED = Number(values.seed)

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

function main(): Promise<string> {
  const rnd = createRandom(SEED)
  const router = createRouter({ random: createRandom(SEED + 1), ...(values['sample-size'] !== undefined ? { sampleSize: Number(values['sample-size']) } : {}) })
  const nodes = makeNodes(N, SEED)
  let t0 = process.hrtime.bigint()
  for (const n of nodes) router.upsert(n)
  const upsertMs = Number(process.hrtime.bigint() - t0) / 1e6
  const tasks = makeTasks(20_000, SEED + 2)
  console.log(`${N.toLocaleString('en-US')} nodes indexed in ${upsertMs.toFixed(0)} ms (${router.index.onlineCount.toLocaleString('en-US')} online, ${router.index.regions.length} regions); ${PLACEMENTS.toLocaleString('en-US')} placements`)

  // Between placements the registry keeps moving: a heartbeat lands and an outcome is recorded.
  const heartbeat = (): void => {
    const n = nodes[Math.floor(rnd() * N)]!
    router.updateLoad(n.id, { cpuPercent: rnd() * 100, runningTasks: Math.floor(rnd() * 8), memoryUsedGb: rnd() * 4 })
  }
  const outcome = (id: string): void => {
    router.recordOutcome(id, { ok: rnd() < 0.95, durationMs: 200 + rnd() * 2000, work: 1 + rnd() * 5 })
  }

  for (let i = 0; i < 20_000; i++) {
    heartbeat()
    const p = router.place(tasks[i % tasks.length]!)
    if (p) outcome(p.nodeId)
  }

  const lat = new Float64Array(PLACEMENTS)
  let placed = 0
  let explored = 0
  let sumNs = 0
  for (let i = 0; i < PLACEMENTS; i++) {
    heartbeat()
    const task = tasks[i % tasks.length]!
    const start = process.hrtime.bigint()
    const p = router.place(task)
    const ns = Number(process.hrtime.bigint() - start)
    lat[i] = ns
    sumNs += ns
    if (p) {
      placed++
      if (p.explored) explored++
      outcome(p.nodeId)
    }
  }
  lat.sort()
  const placementsPerSec = PLACEMENTS / (sumNs / 1e9)

  // Baseline: full scan, same tasks, same state; and how close the sampled choice comes to it.
  const scanLat = new Float64Array(SCANS)
  let scanNs = 0
  let ratioSum = 0
  let ratioN = 0
  let agree = 0
  for (let i = 0; i < SCANS; i++) {
    const task = tasks[i]!
    const start = process.hrtime.bigint()
    const full = router.placeExhaustive(task)
    const ns = Number(process.hrtime.bigint() - start)
    scanLat[i] = ns
    scanNs += ns
    const sampled = router.place(task, { explore: false })
    if (full !== undefined) {
      ratioN++
      if (sampled !== undefined) ratioSum += sampled.score / full.score
      if (sampled?.nodeId === full.nodeId) agree++
    }
  }
  scanLat.sort()
  const scanPlacementsPerSec = SCANS / (scanNs / 1e9)

  // Index maintenance: O(1) heartbeats and status flips.
  const U = 1_000_000
  t0 = process.hrtime.bigint()
  for (let i = 0; i < U; i++) {
    const n = nodes[i % N]!
    router.updateLoad(n.id, { cpuPercent: 50, runningTasks: 2, memoryUsedGb: 1 })
  }
  const loadUpdatesPerSec = U / (Number(process.hrtime.bigint() - t0) / 1e9)
  t0 = process.hrtime.bigint()
  for (let i = 0; i < U; i++) router.setStatus(nodes[i % N]!.id, i % 2 === 0 ? 'offline' : 'online')
  const statusUpdatesPerSec = U / (Number(process.hrtime.bigint() - t0) / 1e9)

  const ms = (ns: number): number => ns / 1e6
  const result = {
    nodes: N,
    placements: PLACEMENTS,
    placementsPerSec: Math.round(placementsPerSec),
    p50Ms: Number(ms(percentile(lat, 0.5)).toFixed(4)),
    p99Ms: Number(ms(percentile(lat, 0.99)).toFixed(4)),
    p999Ms: Number(ms(percentile(lat, 0.999)).toFixed(4)),
    placedShare: Number((placed / PLACEMENTS).toFixed(4)),
    exploredShare: Number((explored / Math.max(1, placed)).toFixed(4)),
    scans: SCANS,
    scanPlacementsPerSec: Math.round(scanPlacementsPerSec),
    scanP50Ms: Number(ms(percentile(scanLat, 0.5)).toFixed(3)),
    scanP99Ms: Number(ms(percentile(scanLat, 0.99)).toFixed(3)),
    speedupVsScan: Number((placementsPerSec / scanPlacementsPerSec).toFixed(1)),
    sampledScoreVsScan: Number((ratioSum / Math.max(1, ratioN)).toFixed(4)),
    sameNodeAsScan: Number((agree / Math.max(1, ratioN)).toFixed(4)),
    upsertsPerSec: Math.round(N / (upsertMs / 1000)),
    loadUpdatesPerSec: Math.round(loadUpdatesPerSec),
    statusUpdatesPerSec: Math.round(statusUpdatesPerSec),
  }
  printTable(`router benchmark (${N.toLocaleString('en-US')} nodes)`, ['measure', 'placements/s', 'p50 ms', 'p99 ms', 'vs full scan'], [
    ['full scan per task (baseline)', result.scanPlacementsPerSec, result.scanP50Ms.toFixed(3), result.scanP99Ms.toFixed(3), '1.00x'],
    ['sampled placement (index)', result.placementsPerSec, result.p50Ms.toFixed(4), result.p99Ms.toFixed(4), `${result.speedupVsScan.toFixed(0)}x`],
  ])
  printTable('quality and index maintenance', ['measure', 'value'], [
    ['sampled score / full-scan best score (mean)', result.sampledScoreVsScan.toFixed(4)],
    ['sampled pick = full-scan pick', `${(result.sameNodeAsScan * 100).toFixed(1)}%`],
    ['tasks placed / explored', `${(result.placedShare * 100).toFixed(1)}% / ${(result.exploredShare * 100).toFixed(1)}%`],
    ['upserts/s (index build)', result.upsertsPerSec],
    ['load updates/s', result.loadUpdatesPerSec],
    ['status flips/s (bucket moves)', result.statusUpdatesPerSec],
  ])
  return writeResult('router', result)
}

console.log(`\nwrote ${await main()}`)
