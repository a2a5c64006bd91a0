/**
 * Registry benchmark: registers N simulated nodes (each request signed by its own key) with one
 * hub, then streams their heartbeats over N WebSockets. Baseline in the same run: the hub's plain
 * `GET /v1/health` requests/s through the same HTTP client and concurrency.
 *
 *   npm run bench -- registry [--nodes 10000] [--seconds 5] [--database-url URL]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { generateIdentity, type Identity } from '@w3ai/crypto'
import type { NodeRegistration } from '@w3ai/protocol'
import { HubClient } from '@w3ai/sdk'
import type WebSocket from 'ws'
import { LoadClient } from './lib/http.js'
import { printTable, runConcurrent, writeResult } from './lib/report.js'
import { simulatedRegistration } from './lib/sim-registration.js'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    'database-url': { type: 'string' },
  },
})
const N = Number(values.nodes)
const SECONDS = Number(values.seconds)
const CONCURRENCY = Number(values.concurrency)

const registration = (i: number): NodeRegistration => simulatedRegistration(i, 'bench')

async function startHub(home: string, databaseUrl: string | undefined): Promise<{ url: string; child: ChildProcess }> {
  const script = new URL('./lib/hub-process.ts', import.meta.url).pathname
  const child = spawn(process.execPath, ['--import', 'tsx', script, home, ...(databaseUrl ? [databaseUrl] : [])], { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /READY (\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`hub exited with ${code}`)))
  })
  return { url, child }
}

async function heartbeatsTotal(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const m = /^w3ai_heartbeats_total (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(text)
  return m ? Number(m[1]) : 0
}

async function main(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'w3ai-bench-registry-'))
  const { url, child } = await startHub(home, values['database-url'])
  const client = new HubClient({ url })
  const sockets: WebSocket[] = []
  try {
    console.log(`hub ${url}; ${N.toLocaleString('en-US')} simulated nodes, concurrency ${CONCURRENCY}`)
    const identities: Identity[] = Array.from({ length: N }, () => generateIdentity('node'))

    // Baseline: plain health checks through the same client and concurrency (warm up first).
    const load = new LoadClient(url, CONCURRENCY)
    const expect = (want: number[]) => (status: number) => {
      if (!want.includes(status)) throw new Error(`unexpected HTTP ${status}`)
    }
    await runConcurrent(1000, CONCURRENCY, async () => expect([200])(await load.send('GET', '/v1/health')))
    const health = await runConcurrent(Math.max(5000, N), CONCURRENCY, async () => expect([200])(await load.send('GET', '/v1/health')))

    const bodies = Array.from({ length: N }, (_, i) => JSON.stringify(registration(i)))
    const reg = await runConcurrent(N, CONCURRENCY, async (i) => expect([201])(await load.send('POST', '/v1/nodes', bodies[i], identities[i]!)))
    load.close()
    if ((await client.listNodes({ limit: 1 })).total !== N) throw new Error('not every registration was stored')
    process.stdout.write(`registered ${N} nodes in ${(reg.ms / 1000).toFixed(1)} s\n`)

    const open = await runConcurrent(N, CONCURRENCY, async (i) => {
      const ws = client.openHeartbeatSocket(identities[i]!)
      ws.on('error', () => undefined)
      await new Promise<void>((resolve, reject) => {
        ws.once('message', () => resolve())
        ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
        ws.once('close', (code) => reject(new Error(`closed ${code}`)))
      })
      sockets.push(ws)
    })
    process.stdout.write(`opened ${sockets.length} heartbeat sockets in ${(open.ms / 1000).toFixed(1)} s\n`)

    const messages = sockets.map((_, i) => JSON.stringify({ type: 'heartbeat', seq: i, cpuPercent: (i % 1000) / 10, memoryUsedGb: 1.5, runningTasks: i % 3, diskUsedGb: 0.25 }))
    const before = await heartbeatsTotal(url)
    const t0 = performance.now()
    const deadline = t0 + SECONDS * 1000
    let sent = 0
    while (performance.now() < deadline) {
      for (let i = 0; i < sockets.length; i++) {
        const ws = sockets[i]!
        if (ws.bufferedAmount < 16 * 1024) {
          ws.send(messages[i]!)
          sent++
        }
      }
      await new Promise((r) => setImmediate(r))
    }
    // Let the hub drain what is in flight, then count what it processed.
    await new Promise((r) => setTimeout(r, 500))
    const processed = (await heartbeatsTotal(url)) - before
    const hbMs = performance.now() - t0
    const heartbeatsPerSec = (processed / hbMs) * 1000

    const result = {
      nodes: N,
      concurrency: CONCURRENCY,
      database: values['database-url'] ? 'postgres' : 'pglite',
      registrationsPerSec: Math.round(reg.perSec),
      heartbeatsPerSec: Math.round(heartbeatsPerSec),
      healthRps: Math.round(health.perSec),
      socketOpensPerSec: Math.round(open.perSec),
      heartbeatsSent: sent,
      heartbeatsProcessed: processed,
    }
    printTable(`registry benchmark (${N.toLocaleString('en-US')} nodes, ${result.database})`, ['measure', 'per second', 'vs GET /v1/health'], [
      ['GET /v1/health (baseline)', result.healthRps, '1.00x'],
      ['signed registrations', result.registrationsPerSec, `${(reg.perSec / health.perSec).toFixed(2)}x`],
      ['signed socket opens', result.socketOpensPerSec, `${(open.perSec / health.perSec).toFixed(2)}x`],
      ['heartbeats processed', result.heartbeatsPerSec, `${(heartbeatsPerSec / health.perSec).toFixed(2)}x`],
    ])
    console.log(`\nwrote ${await writeResult('registry', result)}`)
  } finally {
    for (const ws of sockets) ws.terminate()
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    }
    await rm(home, { recursive: true, force: true })
  }
}

await main()
