/**
 * Scale-out benchmark: N simulated nodes (bench/lib/node-sim.ts: real signed heartbeat sockets,
 * heartbeats at the interval the hub's welcome names, pings, signed task claims; no models) spread
 * over child processes, against H hubs on one PostgreSQL, each hub W worker processes behind one
 * port (a process may hold ~19,000 sockets here). Measures heartbeats/s held against the rate the
 * fleet must send (the baseline: nodes / interval, and what the simulators actually sent in the
 * same window), failure-detection latency of killed nodes (silent: heartbeats stop on an open
 * socket; closed: the connection drops) as the time until the registry shows them not `online`,
 * placements/s of a router fed by the same registry and bus, and hub CPU and memory per 10,000 nodes.
 *
 *   npm run bench -- scale [--nodes 120000] [--hubs 3] [--workers W] [--seconds 30] [--kill 200]
 *                          [--database-url postgres://...] [--heartbeat-ms 1000] [--profile]
 */
import { fork, type ChildProcess } from 'node:child_process'
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { idFromPublicKey } from '@w3ai/crypto'
import type { NodeRegistration } from '@w3ai/protocol'
import { openDatabase } from '@w3ai/hub'
import { NodeStore } from '../packages/hub/src/domains/nodes/store.js'
import { EventBus } from '../packages/hub/src/infra/event-bus.js'
import { HubRouter } from '../packages/hub/src/domains/compute/routing.js'
import { loadNetworkKey } from '../packages/hub/src/infra/network-key.js'
import type { FleetStats } from './lib/node-sim.js'
import { printTable, writeResult } from './lib/report.js'
import { simulatedRegistration } from './lib/sim-registration.js'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '120000' },
    hubs: { type: 'string', default: '3' },
    workers: { type: 'string' },
    sims: { type: 'string' },
    seconds: { type: 'string', default: '30' },
    kill: { type: 'string', default: '200' },
    'heartbeat-ms': { type: 'string', default: '1000' },
    'open-seconds': { type: 'string', default: '150' },
    'open-concurrency': { type: 'string', default: '256' },
    'claim-every': { type: 'string', default: '100' },
    'database-url': { type: 'string' },
    profile: { type: 'boolean', default: false },
  },
})
const N = Number(values.nodes)
const HUBS = Number(values.hubs)
/** Sockets one process holds at most (the open-file limit is 20,000 here). */
const PER_PROCESS = 15_000
const WORKERS = Number(values.workers ?? Math.max(1, Math.ceil(N / HUBS / PER_PROCESS)))
const SIMS = Number(values.sims ?? Math.max(2, Math.ceil(N / PER_PROCESS)))
const SECONDS = Number(values.seconds)
const KILL = Math.min(Number(values.kill), Math.floor(N / 10))
/** Fixed, so the simulators' derived keys are cached between runs (each run starts from a fresh database). */
const RUN_ID = 'scale-v1'
const BASE_URL = values['database-url'] ?? process.env.W3AI_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const DB_NAME = 'w3ai_scale'
const CLK_TCK = 100

const registration = (i: number): NodeRegistration => simulatedRegistration(i, 'sim')

/** A child process answering IPC requests one at a time. */
class Ipc {
  private waiting: Array<(m: any) => void> = []
  constructor(readonly child: ChildProcess, private readonly onOther: (m: any) => void = () => undefined) {
    child.on('message', (m: any) => {
      if (m.type === 'ready' || m.type === 'worker-exit') return this.onOther(m)
      this.waiting.shift()?.(m)
    })
  }
  ask<T = any>(msg: unknown): Promise<T> {
    return new Promise((resolve) => {
      this.waiting.push(resolve)
      this.child.send(msg as object)
    })
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))))
    })
  })
}

/** CPU seconds (user + system) and RSS (MiB) of a process, from /proc. */
async function procUsage(pid: number): Promise<{ cpuS: number; rssMb: number }> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cpuS = (Number(fields[11]) + Number(fields[12])) / CLK_TCK
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
    return { cpuS, rssMb }
  } catch {
    return { cpuS: 0, rssMb: 0 }
  }
}

async function sumUsage(pids: number[]): Promise<{ cpuS: number; rssMb: number }> {
  const all = await Promise.all(pids.map(procUsage))
  return { cpuS: all.reduce((a, u) => a + u.cpuS, 0), rssMb: all.reduce((a, u) => a + u.rssMb, 0) }
}

/** Every PostgreSQL server process on the machine (its CPU is the database's share of the run). */
async function postgresPids(): Promise<number[]> {
  const out: number[] = []
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const comm = await readFile(`/proc/${name}/comm`, 'utf8').catch(() => '')
    if (comm.trim() === 'postgres') out.push(Number(name))
  }
  return out
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Self time per function of a V8 CPU profile, the top `n` as shares of the sampled time. */
async function profileTop(dir: string, n: number): Promise<Array<{ fn: string; share: number }>> {
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.cpuprofile'))
  const self = new Map<string, number>()
  let total = 0
  for (const f of files) {
    const p = JSON.parse(await readFile(join(dir, f), 'utf8')) as { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>; samples: number[] }
    const byId = new Map(p.nodes.map((x) => [x.id, x.callFrame]))
    for (const id of p.samples) {
      const cf = byId.get(id)
      if (cf === undefined) continue
      const file = cf.url.replace(/^.*\/(node_modules|packages)\//, '$1/')
      const key = `${cf.functionName || '(anonymous)'} ${file}${cf.url ? `:${cf.lineNumber + 1}` : ''}`
      self.set(key, (self.get(key) ?? 0) + 1)
      total++
    }
  }
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, n).map(([fn, c]) => ({ fn, share: c / total }))
}

async function main(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'w3ai-bench-scale-'))
  const admin = new pg.Client({ connectionString: BASE_URL })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${DB_NAME}`)
  const dbUrl = BASE_URL.replace(/\/[^/?]*(\?.*)?$/, `/${DB_NAME}$1`)
  const sims: Ipc[] = []
  const hubs: Array<{ ipc: Ipc; url: string; pids: number[] }> = []
  const extraChildren: ChildProcess[] = []
  let db: Awaited<ReturnType<typeof openDatabase>> | undefined
  let router: HubRouter | undefined
  let bus: EventBus | undefined
  const profileDir = values.profile ? join(home, 'profile') : undefined
  try {
    if (WORKERS > 1) console.log('note: workers of one hub share its URL, and the hub registry keeps one row per URL, so their hub leases collide (docs/scaling.md)')
    console.log(`${N.toLocaleString('en-US')} simulated nodes in ${SIMS} processes; ${HUBS} hubs × ${WORKERS} workers on PostgreSQL (${DB_NAME}); heartbeat interval ${values['heartbeat-ms']} ms`)
    db = await openDatabase({ home, databaseUrl: dbUrl })
    // Every hub of one network holds the same network key file.
    const networkKeyFile = join(home, 'network-key.json')
    await loadNetworkKey(db, networkKeyFile)

    // Simulators first: each derives its nodes' keys; the registry is seeded with them.
    const hubPorts = await Promise.all(Array.from({ length: HUBS }, freePort))
    const hubUrls = hubPorts.map((p) => `http://127.0.0.1:${p}`)
    const simScript = new URL('./lib/node-sim-child.ts', import.meta.url).pathname
    const per = Math.ceil(N / SIMS)
    const t0 = performance.now()
    const keys: string[][] = await Promise.all(
      Array.from({ length: SIMS }, async (_, s) => {
        const child = fork(simScript, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
        const ipc = new Ipc(child)
        sims.push(ipc)
        const from = s * per
        const count = Math.max(0, Math.min(per, N - from))
        // Each simulator its own source address, so no one address runs out of ephemeral ports.
        const m = await ipc.ask<{ keys: string[] }>({ cmd: 'init', options: { runId: RUN_ID, from, count, hubs: hubUrls, localAddress: `127.0.0.${10 + s}`, claimEvery: Number(values['claim-every']), openConcurrency: Number(values['open-concurrency']) } })
        return m.keys
      }),
    )
    console.log(`derived ${N} node keys in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    const store = new NodeStore(db)
    const t1 = performance.now()
    const flat = keys.flat()
    for (let i = 0; i < flat.length; i += 5000) {
      await Promise.all(flat.slice(i, i + 5000).map((pk, j) => store.upsert(idOf(pk), pk, registration(i + j), 'seed')))
    }
    await store.stop()
    console.log(`registered ${N} nodes (the hub's batched upsert) in ${((performance.now() - t1) / 1000).toFixed(1)} s`)

    const hubScript = new URL('./lib/scale-hub.ts', import.meta.url).pathname
    await Promise.all(
      hubPorts.map(async (port, h) => {
        const child = fork(hubScript, [join(home, `hub${h}`), dbUrl, String(port), String(WORKERS), values['heartbeat-ms']!, networkKeyFile, ...(profileDir && h === 0 ? [profileDir] : [])], {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        })
        await new Promise<void>((resolve, reject) => {
          let ready = false
          const ipc = new Ipc(child, (m) => {
            if (m.type === 'ready') {
              ready = true
              hubs.push({ ipc, url: m.url, pids: [child.pid!, ...m.pids] })
              resolve()
            } else {
              console.error(`hub ${h}: a worker exited (${m.code})`)
              if (!ready) reject(new Error(`hub ${h} did not start`))
            }
          })
          extraChildren.push(child)
        })
      }),
    )
    console.log(`${HUBS} hubs ready`)

    const t2 = performance.now()
    const progress = setInterval(() => {
      void Promise.all(hubs.map((h) => h.ipc.ask<{ stats: Array<{ sockets: number }> }>({ cmd: 'stats' }))).then((r) =>
        console.log(`  ${r.flatMap((x) => x.stats).reduce((a, s) => a + s.sockets, 0)} sockets after ${((performance.now() - t2) / 1000).toFixed(0)} s`),
      )
    }, 15_000)
    // Opening stops at a deadline, so a machine too slow for N still reports how far it got.
    const opened = await Promise.all(sims.map((s) => s.ask<{ stats: FleetStats }>({ cmd: 'open', deadline: Date.now() + Number(values['open-seconds']) * 1000 })))
    clearInterval(progress)
    const openS = (performance.now() - t2) / 1000
    const welcomed = opened.reduce((a, o) => a + o.stats.welcomed, 0)
    const failedOpens = opened.reduce((a, o) => a + o.stats.failedOpens, 0)
    const intervalMs = opened.find((o) => o.stats.heartbeatIntervalMs > 0)?.stats.heartbeatIntervalMs ?? Number(values['heartbeat-ms'])
    console.log(`opened ${welcomed} heartbeat sockets in ${openS.toFixed(1)} s (${failedOpens} failed); hubs ask for a heartbeat every ${intervalMs} ms`)
    await Promise.all(sims.map((s) => s.ask({ cmd: 'claims' })))

    // Settle: the first flushes after the opens, then measure a steady window.
    await sleep(Math.min(10_000, 3 * intervalMs + 2000))
    const hubPids = hubs.flatMap((h) => h.pids)
    const pgPids = await postgresPids()
    const hubStats = async (): Promise<Array<{ heartbeats: number; sockets: number; loopDelayP99Ms: number; rssMb: number }>> => (await Promise.all(hubs.map((h) => h.ipc.ask<{ stats: any[] }>({ cmd: 'stats' })))).flatMap((r) => r.stats)
    const simStats = async (): Promise<FleetStats[]> => (await Promise.all(sims.map((s) => s.ask<{ stats: FleetStats }>({ cmd: 'stats' })))).map((r) => r.stats)
    await Promise.all(sims.map((s) => s.ask({ cmd: 'reset' })))
    const h0 = await hubStats()
    const s0 = await simStats()
    const u0 = await sumUsage(hubPids)
    const p0 = await sumUsage(pgPids)
    const w0 = performance.now()
    await sleep(SECONDS * 1000)
    const h1 = await hubStats()
    const s1 = await simStats()
    const u1 = await sumUsage(hubPids)
    const p1 = await sumUsage(pgPids)
    const windowS = (performance.now() - w0) / 1000
    const processed = h1.reduce((a, s) => a + s.heartbeats, 0) - h0.reduce((a, s) => a + s.heartbeats, 0)
    const sent = s1.reduce((a, s) => a + s.heartbeatsSent, 0) - s0.reduce((a, s) => a + s.heartbeatsSent, 0)
    const sockets = h1.reduce((a, s) => a + s.sockets, 0)
    const required = (welcomed * windowS * 1000) / intervalMs
    // Loss: heartbeats due from the fleet at its interval that the hubs did not process within the
    // window (a simulator too starved to send counts as loss: the target is every heartbeat at its
    // interval). hubLoss: of those the simulators did send.
    const heartbeatLoss = Math.max(0, 1 - processed / Math.max(1, required))
    const hubLoss = Math.max(0, 1 - processed / Math.max(1, sent))
    const claims = s1.reduce((a, s) => a + s.claims, 0) - s0.reduce((a, s) => a + s.claims, 0)
    const claimErrors = s1.reduce((a, s) => a + s.claimErrors, 0) - s0.reduce((a, s) => a + s.claimErrors, 0)
    const hubCores = (u1.cpuS - u0.cpuS) / windowS
    const pgCores = (p1.cpuS - p0.cpuS) / windowS
    const simCores = (s1.reduce((a, s) => a + s.cpuUserMs + s.cpuSystemMs, 0) - s0.reduce((a, s) => a + s.cpuUserMs + s.cpuSystemMs, 0)) / 1000 / windowS
    const notOnline = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM nodes WHERE status <> 'online' AND hub_id <> 'seed'`)).rows[0]?.n ?? 0)
    const hubLoopP99 = Math.max(...h1.map((s) => s.loopDelayP99Ms))
    const simLoopP99 = Math.max(...s1.map((s) => s.loopDelayP99Ms))
    const simLate = s1.reduce((a, s) => a + s.heartbeatsLate, 0) - s0.reduce((a, s) => a + s.heartbeatsLate, 0)
    console.log(`steady window ${windowS.toFixed(1)} s: ${processed} heartbeats processed of ${Math.round(required)} due (${sent} sent); ${notOnline} live nodes not online; hub loop p99 ${hubLoopP99.toFixed(1)} ms`)

    // Placements: a router fed by the same registry and bus as the hubs' own.
    bus = new EventBus(db, 'bench', 'w3ai_events')
    await bus.start()
    router = new HubRouter(new NodeStore(db), bus, { refreshMs: 0 })
    await router.start()
    let placed = 0
    const tp = performance.now()
    while (performance.now() - tp < 2000) {
      for (let i = 0; i < 200; i++) if (router.place('wasm', 1).length === 1) placed++
      await new Promise((r) => setImmediate(r))
    }
    const placementsPerSec = (placed / (performance.now() - tp)) * 1000

    // Failure detection: kill nodes spread over the fleet, half silently, half by dropping the socket.
    // Victims among the nodes that connected (each simulator opens its nodes in index order).
    const live = opened.flatMap((o, si) => Array.from({ length: o.stats.welcomed }, (_, j) => si * per + j))
    const kills = Math.min(KILL, Math.floor(live.length / 10))
    const victims = Array.from({ length: kills }, (_, k) => live[Math.floor(((k + 0.5) * live.length) / kills)]!)
    const killedAt = new Map<number, { at: number; mode: 'silent' | 'close' }>()
    await Promise.all(
      sims.map(async (s, si) => {
        const mine = victims.filter((v) => Math.floor(v / per) === si)
        const silent = mine.filter((_, j) => j % 2 === 0)
        const close = mine.filter((_, j) => j % 2 === 1)
        const a = await s.ask<{ at: number }>({ cmd: 'kill', indexes: silent, mode: 'silent' })
        for (const v of silent) killedAt.set(v, { at: a.at, mode: 'silent' })
        const b = await s.ask<{ at: number }>({ cmd: 'kill', indexes: close, mode: 'close' })
        for (const v of close) killedAt.set(v, { at: b.at, mode: 'close' })
      }),
    )
    const idOfIndex = new Map(victims.map((v) => [idOf(flat[v]!), v]))
    const detected = new Map<number, number>()
    const deadline = Date.now() + 30_000
    while (detected.size < victims.length && Date.now() < deadline) {
      await sleep(200)
      const r = await db.query<{ id: string; status_changed_at: Date }>(`SELECT id, status_changed_at FROM nodes WHERE id = ANY($1::text[]) AND status <> 'online'`, [[...idOfIndex.keys()]])
      for (const row of r.rows) {
        const v = idOfIndex.get(row.id)!
        if (!detected.has(v)) detected.set(v, new Date(row.status_changed_at).getTime() - killedAt.get(v)!.at)
      }
    }
    const lat = (mode: 'silent' | 'close'): number[] => [...detected].filter(([v]) => killedAt.get(v)?.mode === mode).map(([, ms]) => ms)
    const undetected = victims.length - detected.size
    const detectionP99Ms = undetected > 0 ? Infinity : Math.max(percentile(lat('silent'), 99), percentile(lat('close'), 99))

    const hubRss = u1.rssMb
    const per10k = 10_000 / Math.max(1, welcomed)
    const profile = profileDir === undefined ? [] : await (async () => {
      await Promise.all(hubs.map((h) => h.ipc.ask({ cmd: 'stop' }).catch(() => undefined)))
      hubs.length = 0
      await sleep(500)
      return profileTop(profileDir, 15)
    })()

    const result = {
      nodes: welcomed,
      nodesAsked: N,
      hubs: HUBS,
      workersPerHub: WORKERS,
      simulatorProcesses: SIMS,
      connected: welcomed,
      failedOpens,
      socketOpensPerSec: Math.round(welcomed / openS),
      heartbeatIntervalMs: intervalMs,
      windowSeconds: Number(windowS.toFixed(1)),
      heartbeatsRequiredPerSec: Math.round(required / windowS),
      heartbeatsSentPerSec: Math.round(sent / windowS),
      heartbeatsPerSec: Math.round(processed / windowS),
      heartbeatLoss: Number(heartbeatLoss.toFixed(4)),
      hubLoss: Number(hubLoss.toFixed(4)),
      sentVsDue: Number((sent / required).toFixed(4)),
      liveNodesNotOnline: notOnline,
      simulatorLateHeartbeats: simLate,
      hubLoopDelayP99Ms: Number(hubLoopP99.toFixed(1)),
      simulatorLoopDelayP99Ms: Number(simLoopP99.toFixed(1)),
      detectionP99Ms: Number.isFinite(detectionP99Ms) ? Math.round(detectionP99Ms) : null,
      detectionSilentP50Ms: Math.round(percentile(lat('silent'), 50)),
      detectionSilentP99Ms: Math.round(percentile(lat('silent'), 99)),
      detectionClosedP50Ms: Math.round(percentile(lat('close'), 50)),
      detectionClosedP99Ms: Math.round(percentile(lat('close'), 99)),
      killed: victims.length,
      undetected,
      placementsPerSec: Math.round(placementsPerSec),
      claimsPerSec: Math.round(claims / windowS),
      claimErrors,
      hubCpuCores: Number(hubCores.toFixed(2)),
      hubCpuCoresPer10kNodes: Number((hubCores * per10k).toFixed(3)),
      hubRssMb: Math.round(hubRss),
      hubRssMbPer10kNodes: Math.round(hubRss * per10k),
      postgresCpuCores: Number(pgCores.toFixed(2)),
      simulatorCpuCores: Number(simCores.toFixed(2)),
      hubSockets: sockets,
      ...(profile.length === 0 ? {} : { hubProfileTop: profile }),
    }
    const pct = (x: number): string => `${(x * 100).toFixed(2)}%`
    printTable(`scale benchmark (${welcomed.toLocaleString('en-US')} nodes, ${HUBS} hubs × ${WORKERS} workers, PostgreSQL)`, ['measure', 'value', 'note'], [
      ['heartbeats due /s (baseline: nodes / interval)', result.heartbeatsRequiredPerSec, `${intervalMs} ms interval`],
      ['heartbeats sent /s (simulators)', result.heartbeatsSentPerSec, `${pct(sent / required)} of due; ${simLate} over 1.5 intervals late; sim loop p99 ${result.simulatorLoopDelayP99Ms} ms`],
      ['heartbeats processed /s (hubs)', result.heartbeatsPerSec, `loss ${pct(heartbeatLoss)} of due, ${pct(hubLoss)} of sent; hub loop p99 ${result.hubLoopDelayP99Ms} ms`],
      ['live nodes not online at window end', notOnline, 'false suspicions'],
      ['detection p50 / p99, silent (ms)', `${result.detectionSilentP50Ms} / ${result.detectionSilentP99Ms}`, 'heartbeats stop, socket open'],
      ['detection p50 / p99, closed (ms)', `${result.detectionClosedP50Ms} / ${result.detectionClosedP99Ms}`, `socket dropped; ${undetected} of ${victims.length} undetected`],
      ['socket opens /s', result.socketOpensPerSec, `${failedOpens} failed`],
      ['placements /s (router on the live registry)', result.placementsPerSec, 'one wasm task each'],
      ['task claims /s (signed, every 100th node)', result.claimsPerSec, `${claimErrors} errors`],
      ['hub CPU cores / per 10k nodes', `${result.hubCpuCores} / ${result.hubCpuCoresPer10kNodes}`, `PostgreSQL ${result.postgresCpuCores}, simulators ${result.simulatorCpuCores} cores`],
      ['hub RSS MiB / per 10k nodes', `${result.hubRssMb} / ${result.hubRssMbPer10kNodes}`, `${HUBS * WORKERS} workers + ${HUBS} primaries`],
    ])
    if (profile.length > 0) {
      console.log('\nhub worker profile (self time, hub 0):')
      for (const p of profile) console.log(`  ${(p.share * 100).toFixed(1).padStart(5)}%  ${p.fn}`)
    }
    console.log(`\nwrote ${await writeResult('scale', result)}`)
  } finally {
    router?.stop()
    await bus?.stop().catch(() => undefined)
    await Promise.all(sims.map((s) => s.ask({ cmd: 'stop' }).catch(() => undefined)))
    await Promise.all(hubs.map((h) => Promise.race([h.ipc.ask({ cmd: 'stop' }), sleep(15_000)]).catch(() => undefined)))
    for (const s of sims) if (s.child.exitCode === null) s.child.kill('SIGKILL')
    for (const c of extraChildren) if (c.exitCode === null) c.kill('SIGTERM')
    await db?.close().catch(() => undefined)
    await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`).catch(() => undefined)
    await admin.end()
    await rm(home, { recursive: true, force: true })
  }
}

function idOf(publicKey: string): string {
  return idFromPublicKey('node', publicKey)
}

await main()
