/**
 * One hub of the scale benchmark as `workers` processes behind one port (node:cluster): each
 * worker is a full hub over the shared PostgreSQL, holding its share of the heartbeat sockets
 * (a process may hold only ~19,000). Driven over IPC by bench/scale.ts: `ready` with the URL and
 * worker pids once all listen; `stats` answers each worker's counters.
 *
 *   node --import tsx scale-hub.ts HOME DATABASE_URL PORT WORKERS HEARTBEAT_MS NETWORK_KEY_FILE [PROFILE_DIR]
 */
import cluster from 'node:cluster'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createHub } from '@w3ai/hub'

const [home, databaseUrl, portArg, workersArg, heartbeatArg, networkKeyFile, profileDir] = process.argv.slice(2)
if (home === undefined || databaseUrl === undefined || portArg === undefined) throw new Error('usage: scale-hub.ts HOME DATABASE_URL PORT WORKERS HEARTBEAT_MS NETWORK_KEY_FILE [PROFILE_DIR]')
const port = Number(portArg)

interface WorkerStats {
  pid: number
  heartbeats: number
  sockets: number
  loopDelayP99Ms: number
  rssMb: number
}

if (cluster.isPrimary) {
  const workers = Number(workersArg ?? 1)
  // Workers accept their own connections (the primary handing each socket over is one more hop per connect).
  cluster.schedulingPolicy = cluster.SCHED_NONE
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])], args: process.argv.slice(2) })
  let ready = 0
  const pending = new Map<number, (s: WorkerStats) => void>()
  for (let i = 0; i < workers; i++) {
    const w = cluster.fork()
    w.on('message', (m: { type: string; stats?: WorkerStats }) => {
      if (m.type === 'ready' && ++ready === workers) process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}`, pids: Object.values(cluster.workers ?? {}).map((x) => x?.process.pid) })
      if (m.type === 'stats' && m.stats !== undefined) pending.get(w.id)?.(m.stats)
    })
    w.on('exit', (code) => {
      if (!stopping) process.send?.({ type: 'worker-exit', code })
    })
  }
  let stopping = false
  let statsChain = Promise.resolve()
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'stats') {
      // One collection at a time: a worker answers by its id, so overlapping requests would mix.
      statsChain = statsChain.then(async () => {
        const all = Object.values(cluster.workers ?? {}).map(
          (w) =>
            new Promise<WorkerStats>((resolve) => {
              pending.set(w!.id, resolve)
              w!.send({ cmd: 'stats' })
            }),
        )
        process.send?.({ type: 'stats', stats: await Promise.all(all) })
      })
    }
    if (m.cmd === 'stop') {
      stopping = true
      for (const w of Object.values(cluster.workers ?? {})) w?.send({ cmd: 'stop' })
      cluster.on('exit', () => {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.send?.({ type: 'stopped' }, () => process.exit(0))
      })
    }
  })
  process.on('disconnect', () => process.exit(0))
} else {
  const hub = createHub({ home: `${home}/w${cluster.worker!.id}`, port, host: '127.0.0.1', logLevel: process.env.W3AI_SCALE_HUB_LOG ?? false, databaseUrl, heartbeatIntervalMs: Number(heartbeatArg ?? 1000), ...(networkKeyFile ? { networkKeyFile } : {}) })
  const loop = monitorEventLoopDelay({ resolution: 10 })
  loop.enable()
  await hub.start()
  process.send?.({ type: 'ready' })
  process.on('disconnect', () => void hub.stop().finally(() => process.exit(0)))
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'stats') {
      void hub.app.inject({ method: 'GET', url: '/metrics' }).then((res) => {
        const num = (name: string): number => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(res.body)?.[1] ?? 0)
        process.send?.({ type: 'stats', stats: { pid: process.pid, heartbeats: num('w3ai_heartbeats_total'), sockets: num('w3ai_heartbeat_sockets'), loopDelayP99Ms: loop.percentile(99) / 1e6, rssMb: process.memoryUsage().rss / 2 ** 20 } })
        loop.reset()
      })
    }
    if (m.cmd === 'stop') void hub.stop().then(() => process.exit(0))
  })
}
