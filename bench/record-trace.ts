/**
 * Records a routing trace from a real devnet for `npm run bench -- routing-policies` to replay.
 *
 * Starts a devnet hub and node processes of different capacities and speeds: task slots 1-3
 * (the node's concurrency), CPU priority (a reniced node gets less of the shared cores, so its
 * tasks run slower while the machine is busy), and one node with a short task time limit (it
 * fails the larger tasks, as a node on a flaky or overloaded host would). It then submits `wasm`
 * jobs (three replicas each, see REPLICAS) at Poisson arrivals, each spinning a seeded lognormal
 * number of units of work, waits for every job, and reads the hub's job histories (leased /
 * succeeded / failed events per attempt).
 * Written to bench/data/devnet-trace.json: each node's capacity, location and observed durations
 * and failures; each task's arrival, work and attempts.
 *
 *   npm run bench -- record-trace [--jobs 120] [--rate 0.5] [--seed 7]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { setPriority, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { devnetNodeOptions, startDevnet, startNodeProcess, type NodeProcess } from '@w3ai/cli'
import { generateIdentity } from '@w3ai/crypto'
import type { Job } from '@w3ai/protocol'
import { HubClient, JobsClient, putBytes, StorageClient } from '@w3ai/sdk'
import { normal, seededRandom } from '@w3ai/util'
import wabtInit from 'wabt'

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '120' },
    /** Mean job arrivals per second. */
    rate: { type: 'string', default: '0.5' },
    seed: { type: 'string', default: '7' },
    out: { type: 'string', default: join(dirname(fileURLToPath(import.meta.url)), 'data', 'devnet-trace.json') },
  },
})
const JOBS = Number(values.jobs)
const RATE = Number(values.rate)
const SEED = Number(values.seed)
/**
 * Replicas per job. The hub gives a job's input keys to replicas + 2 tie-breaker candidates its
 * router picks, and only those nodes can lease it; three replicas make every one of the five
 * nodes a candidate, so each node's speed and failures are observed (the replicas run on whichever
 * candidates lease them first, as a pull-based devnet does).
 */
const REPLICAS = 3
/** Loop iterations per unit of work. */
const ITERATIONS_PER_WORK = 40_000_000

/** The nodes: slots (concurrency), niceness (speed under contention), task time limit (failures). */
const PROFILES = [
  { slots: 3, nice: 0, timeMs: 60_000 },
  { slots: 2, nice: 0, timeMs: 60_000 },
  { slots: 2, nice: 10, timeMs: 60_000 },
  { slots: 1, nice: 19, timeMs: 60_000 },
  { slots: 2, nice: 0, timeMs: 400 },
] as const

/** A WASI command that spins (a 64-bit LCG) for as many iterations as its last argument says. */
const SPIN_WAT = String.raw`(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $p i32) (local $c i32) (local $n i64) (local $i i64) (local $acc i64)
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 64) (i32.const 1024)))
    (local.set $p (i32.load (i32.add (i32.const 60) (i32.shl (i32.load (i32.const 0)) (i32.const 2)))))
    (block $done (loop $digits
      (local.set $c (i32.load8_u (local.get $p)))
      (br_if $done (i32.or (i32.lt_u (local.get $c) (i32.const 48)) (i32.gt_u (local.get $c) (i32.const 57))))
      (local.set $n (i64.add (i64.mul (local.get $n) (i64.const 10)) (i64.extend_i32_u (i32.sub (local.get $c) (i32.const 48)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $digits)))
    (block $end (loop $spin
      (br_if $end (i64.ge_u (local.get $i) (local.get $n)))
      (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const 6364136223846793005)) (i64.const 1442695040888963407)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $spin)))
    (i64.store (i32.const 8) (local.get $acc))))`

async function spinModule(): Promise<Uint8Array> {
  const wabt = await wabtInit()
  const m = wabt.parseWat('spin.wat', SPIN_WAT, {})
  try {
    m.validate()
    return m.toBinary({}).buffer
  } finally {
    m.destroy()
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const home = await mkdtemp(join(tmpdir(), 'w3ai-record-trace-'))
const env = { W3AI_TASK_POLL_MS: '50', W3AI_SPOT_CHECK_RATE: '0' }
const devnet = await startDevnet({ home, nodes: 0, hubPort: 0, logLevel: 'warn', env })
const nodes: NodeProcess[] = []
try {
  for (const [i, p] of PROFILES.entries()) {
    const node = await startNodeProcess({
      ...devnetNodeOptions(home, i, devnet.hubUrl, PROFILES.length),
      cpu: p.slots,
      logLevel: 'warn',
      env: { ...env, W3AI_TASK_SLOTS: String(p.slots), W3AI_TASK_TIME_MS: String(p.timeMs) },
    })
    // The sandboxes a node forks inherit its priority.
    if (p.nice > 0) setPriority(node.pid, p.nice)
    nodes.push(node)
  }
  for (const n of nodes) await devnet.waitForStatus(n.id, 'online', 60_000)
  const identity = generateIdentity('account')
  const hub = new HubClient({ url: devnet.hubUrl, identity, timeoutMs: 120_000 })
  await hub.createAccount({ name: 'trace', encryptionKey: identity.encryptionKey })
  const storage = new StorageClient(hub, identity)
  const jobs = new JobsClient(hub, identity)
  const module = await putBytes(storage, await spinModule(), { name: 'spin.wasm' })

  // Warm-up: one job per slot, not recorded (first sandboxes are slower).
  const warm = await Promise.all(Array.from({ length: 8 }, () => jobs.submit({ executor: 'wasm', inputs: { module }, params: { args: ['spin', '1000'] } })))
  for (const j of warm) await jobs.wait(j.id, { timeoutMs: 120_000, intervalMs: 200 })

  const rnd = seededRandom(SEED)
  const submitted: Array<{ job: Job; arrivalMs: number; work: number }> = []
  const t0 = Date.now()
  let next = 0
  for (let i = 0; i < JOBS; i++) {
    next += (-Math.log(1 - rnd()) / RATE) * 1000
    const work = 2 * Math.exp(0.6 * normal(rnd))
    const wait = t0 + next - Date.now()
    if (wait > 0) await sleep(wait)
    const arrivalMs = Date.now() - t0
    const job = await jobs.submit({ executor: 'wasm', inputs: { module }, params: { args: ['spin', String(Math.round(work * ITERATIONS_PER_WORK))] }, verify: REPLICAS })
    submitted.push({ job, arrivalMs, work })
    if (i % 40 === 0) console.log(`submitted ${i + 1}/${JOBS} at ${(arrivalMs / 1000).toFixed(1)} s`)
  }
  const done: Array<{ job: Job; arrivalMs: number; work: number }> = []
  for (const s of submitted) done.push({ ...s, job: await jobs.wait(s.job.id, { timeoutMs: 300_000, intervalMs: 250 }) })

  // Attempts from the hub's job history: a lease, then that node's succeeded / failed event.
  const index = new Map(nodes.map((n, i) => [n.id, i]))
  const attemptsOf = (job: Job): Array<{ node: number; leasedMs: number; endedMs: number; ok: boolean }> => {
    const open = new Map<string, { node: number; at: number }>()
    const out: Array<{ node: number; leasedMs: number; endedMs: number; ok: boolean }> = []
    for (const e of job.history) {
      const at = Date.parse(e.at) - t0
      if (e.kind === 'leased' && e.nodeId !== null && index.has(e.nodeId)) open.set(e.taskId, { node: index.get(e.nodeId)!, at })
      else if (e.kind === 'succeeded' || e.kind === 'failed' || e.kind === 'retrying' || e.kind === 'expired') {
        const o = open.get(e.taskId)
        if (o === undefined) continue
        open.delete(e.taskId)
        out.push({ node: o.node, leasedMs: Math.round(o.at), endedMs: Math.round(at), ok: e.kind === 'succeeded' })
      }
    }
    return out
  }
  const tasks = done.map((d) => ({ arrivalMs: d.arrivalMs, work: Number(d.work.toFixed(3)), status: d.job.status, attempts: attemptsOf(d.job) }))
  const info = await Promise.all(nodes.map((n) => devnet.client.getNode(n.id)))
  const traceNodes = PROFILES.map((p, i) => {
    const mine = tasks.flatMap((t) => t.attempts.filter((a) => a.node === i).map((a) => ({ ...a, work: t.work })))
    const ok = mine.filter((a) => a.ok)
    const rates = ok.map((a) => (a.endedMs - a.leasedMs) / a.work).sort((a, b) => a - b)
    const n = info[i]!
    return {
      name: `node-${i}`,
      region: n.location.region,
      location: { lat: n.location.lat, lon: n.location.lon },
      slots: p.slots,
      nice: p.nice,
      taskTimeLimitMs: p.timeMs,
      memoryGb: n.capabilities.memoryGb,
      attempts: mine.length,
      failures: mine.length - ok.length,
      medianMsPerWork: rates.length === 0 ? null : Math.round(rates[Math.floor(rates.length / 2)]!),
      meanMsPerWork: rates.length === 0 ? null : Math.round(rates.reduce((a, b) => a + b, 0) / rates.length),
    }
  })
  const trace = {
    recordedAt: new Date().toISOString(),
    how: 'bench/record-trace.ts: a devnet hub and node processes (slots, renice, task time limit per node), wasm spin jobs at Poisson arrivals; attempts from the hub job histories',
    jobs: JOBS,
    replicasPerJob: REPLICAS,
    ratePerSec: RATE,
    iterationsPerWork: ITERATIONS_PER_WORK,
    seed: SEED,
    nodes: traceNodes,
    tasks,
  }
  await mkdir(dirname(values.out!), { recursive: true })
  await writeFile(values.out!, JSON.stringify(trace) + '\n')
  console.table(traceNodes.map(({ location: _l, ...rest }) => rest))
  const statuses = tasks.reduce<Record<string, number>>((m, t) => ({ ...m, [t.status]: (m[t.status] ?? 0) + 1 }), {})
  console.log(`${tasks.length} jobs: ${JSON.stringify(statuses)}; wrote ${values.out}`)
} finally {
  await Promise.all(nodes.map((n) => n.stop()))
  await devnet.stop()
  await rm(home, { recursive: true, force: true })
}
