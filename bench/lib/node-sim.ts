/**
 * A lightweight node simulator for scale benchmarks: each simulated node holds a real, signed
 * heartbeat WebSocket to a hub, honours the interval the hub's welcome names, sends the same
 * heartbeat messages and pings as the node agent (packages/node/src/hub-link.ts), and a share of
 * them claim tasks with signed `POST /v1/tasks/claim` requests the way the task runner does (with
 * its idle backoff). Nothing runs models. One fleet lives in one process; bench/scale.ts spreads
 * fleets over child processes (node-sim-child.ts) because a process may hold only ~19,000 sockets.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { idFromPublicKey, signRequest } from '@w3ai/crypto'
import WebSocket from 'ws'

const HEARTBEAT_PATH = '/v1/nodes/heartbeat'
const CLAIM_PATH = '/v1/tasks/claim'
/** PKCS#8 DER prefix of an ed25519 private key; the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
/** As the node's task runner: an idle node stretches its claim interval up to 8 × pollMs. */
const IDLE_BACKOFF = 8

export interface SimIdentity {
  id: string
  publicKey: string
  signingKey: KeyObject
}

/** The signing key of simulated node `index` of run `runId`: derived from a seed, so any process can rebuild it. */
export function simSigningKey(runId: string, index: number): KeyObject {
  const seed = createHash('sha256').update(`w3ai-sim:${runId}:${index}`).digest()
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
}

export function simIdentity(runId: string, index: number): SimIdentity {
  const signingKey = simSigningKey(runId, index)
  const spki = createPublicKey(signingKey).export({ format: 'der', type: 'spki' })
  const publicKey = spki.subarray(spki.length - 32).toString('base64url')
  return { id: idFromPublicKey('node', publicKey), publicKey, signingKey }
}

/**
 * The public keys of nodes [from, from + count) of `runId`, kept in a file under the temporary
 * directory: deriving 120,000 keys takes a minute on a busy 2-core machine, and they never change.
 */
function simPublicKeys(runId: string, from: number, count: number): string[] {
  const file = join(tmpdir(), `w3ai-sim-keys-${runId}-${from}-${count}.json`)
  try {
    const keys = JSON.parse(readFileSync(file, 'utf8')) as string[]
    if (keys.length === count) return keys
  } catch {
    // not cached yet
  }
  const keys = Array.from({ length: count }, (_, i) => simIdentity(runId, from + i).publicKey)
  writeFileSync(file, JSON.stringify(keys))
  return keys
}

export interface FleetOptions {
  runId: string
  /** Node indexes [from, from + count). */
  from: number
  count: number
  /** Hub base URLs; node i connects to hubs[i % hubs.length]. */
  hubs: string[]
  /** Source address of this fleet's sockets (a distinct 127.0.0.x per fleet keeps ephemeral ports apart). */
  localAddress?: string
  /** Sockets opened at once while connecting. */
  openConcurrency?: number
  /** Every `claimEvery`-th node also claims tasks (0: none). */
  claimEvery?: number
  claimPollMs?: number
}

export interface FleetStats {
  nodes: number
  connected: number
  welcomed: number
  failedOpens: number
  heartbeatsSent: number
  /** Heartbeats sent more than 1.5 intervals after the node's previous one (the simulator itself was behind). */
  heartbeatsLate: number
  pings: number
  pongs: number
  claims: number
  claimErrors: number
  tasksClaimed: number
  loopDelayP99Ms: number
  cpuUserMs: number
  cpuSystemMs: number
  rssMb: number
  heartbeatIntervalMs: number
}

interface SimNode {
  index: number
  id: string
  publicKey: string
  /** Made when the node first signs (creating 120,000 key objects up front is slow). */
  signingKey: KeyObject | undefined
  hub: string
  ws: WebSocket | undefined
  timer: NodeJS.Timeout | undefined
  seq: number
  killed: boolean
  cpu: number
}

export class Fleet {
  private readonly nodes: SimNode[] = []
  private readonly stats = { connected: 0, welcomed: 0, failedOpens: 0, heartbeatsSent: 0, heartbeatsLate: 0, pings: 0, pongs: 0, claims: 0, claimErrors: 0, tasksClaimed: 0 }
  private intervalMs = 0
  private readonly loop = monitorEventLoopDelay({ resolution: 10 })
  private readonly agent: Agent
  private readonly claimTimers = new Map<number, NodeJS.Timeout>()
  private stopped = false

  constructor(private readonly o: FleetOptions) {
    const keys = simPublicKeys(o.runId, o.from, o.count)
    for (let i = 0; i < o.count; i++) {
      const index = o.from + i
      const publicKey = keys[i]!
      this.nodes.push({ index, id: idFromPublicKey('node', publicKey), publicKey, signingKey: undefined, hub: o.hubs[index % o.hubs.length]!, ws: undefined, timer: undefined, seq: 0, killed: false, cpu: (index * 7) % 60 })
    }
    this.agent = new Agent({ keepAlive: true, maxSockets: 8, ...(o.localAddress === undefined ? {} : { localAddress: o.localAddress }) })
    this.loop.enable()
  }

  /** Public keys of this fleet's nodes, in index order (the bench seeds the registry with them). */
  publicKeys(): string[] {
    return this.nodes.map((n) => n.publicKey)
  }

  private signer(node: SimNode): { publicKey: string; signingKey: KeyObject } {
    node.signingKey ??= simSigningKey(this.o.runId, node.index)
    return { publicKey: node.publicKey, signingKey: node.signingKey }
  }

  /** Opens every node's heartbeat socket (until `deadline`, epoch ms); resolves once each was welcomed or failed. */
  async open(deadline = Infinity): Promise<void> {
    let next = 0
    const worker = async (): Promise<void> => {
      for (;;) {
        const node = this.nodes[next++]
        if (node === undefined || Date.now() > deadline) return
        if (!(await this.connect(node))) this.stats.failedOpens++
      }
    }
    await Promise.all(Array.from({ length: this.o.openConcurrency ?? 32 }, worker))
  }

  private connect(node: SimNode): Promise<boolean> {
    return new Promise((resolve) => {
      const url = node.hub.replace(/^http/, 'ws') + HEARTBEAT_PATH
      const ws = new WebSocket(url, {
        headers: signRequest(this.signer(node), 'GET', HEARTBEAT_PATH),
        perMessageDeflate: false,
        ...(this.o.localAddress === undefined ? {} : { localAddress: this.o.localAddress }),
      })
      node.ws = ws
      let settled = false
      const settle = (ok: boolean): void => {
        if (settled) return
        settled = true
        resolve(ok)
      }
      ws.on('open', () => this.stats.connected++)
      ws.on('pong', () => this.stats.pongs++)
      ws.on('error', () => settle(false))
      ws.on('unexpected-response', () => {
        ws.terminate()
        settle(false)
      })
      ws.on('close', () => {
        clearInterval(node.timer)
        node.timer = undefined
        if (node.ws === ws) node.ws = undefined
        settle(false)
      })
      ws.on('message', (data) => {
        let msg: { type?: string; heartbeatIntervalMs?: number }
        try {
          msg = JSON.parse(String(data)) as typeof msg
        } catch {
          return
        }
        if (msg.type !== 'welcome' || node.timer !== undefined) return
        // Honour the hub's interval, as the node agent does.
        const interval = typeof msg.heartbeatIntervalMs === 'number' && msg.heartbeatIntervalMs > 0 ? msg.heartbeatIntervalMs : 1000
        this.intervalMs = interval
        this.stats.welcomed++
        let last = performance.now()
        const beat = (): void => {
          if (node.killed || ws.readyState !== ws.OPEN) return
          const now = performance.now()
          if (now - last > 1.5 * interval) this.stats.heartbeatsLate++
          last = now
          node.cpu = Math.min(100, Math.max(0, node.cpu + ((node.seq * 2654435761) % 7) - 3))
          ws.send(`{"type":"heartbeat","seq":${node.seq++},"cpuPercent":${node.cpu},"memoryUsedGb":1.5,"runningTasks":0,"diskUsedGb":0.25}`)
          ws.ping()
          this.stats.heartbeatsSent++
          this.stats.pings++
        }
        beat()
        node.timer = setInterval(beat, interval)
        settle(true)
      })
    })
  }

  /** Starts the claim loops of every `claimEvery`-th node (signed claims, the task runner's idle backoff). */
  startClaims(): void {
    const every = this.o.claimEvery ?? 0
    if (every <= 0) return
    const pollMs = this.o.claimPollMs ?? 1000
    for (const node of this.nodes) {
      if (node.index % every !== 0) continue
      let idle = 0
      const poll = (): void => {
        if (this.stopped || node.killed) return
        void this.claim(node).then((got) => {
          idle = got > 0 ? 0 : idle + 1
          if (!this.stopped) this.claimTimers.set(node.index, setTimeout(poll, pollMs * Math.min(IDLE_BACKOFF, 2 ** Math.max(0, idle - 1))))
        })
      }
      this.claimTimers.set(node.index, setTimeout(poll, Math.floor(Math.random() * pollMs)))
    }
  }

  private claim(node: SimNode): Promise<number> {
    const body = JSON.stringify({ executors: ['wasm', 'onnx'], capacity: 1 })
    const headers = { ...signRequest(this.signer(node), 'POST', CLAIM_PATH, body), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
    const u = new URL(node.hub + CLAIM_PATH)
    return new Promise((resolve) => {
      const req = request({ host: u.hostname, port: u.port, path: CLAIM_PATH, method: 'POST', headers, agent: this.agent }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () => {
          this.stats.claims++
          if (res.statusCode !== 200) {
            this.stats.claimErrors++
            resolve(0)
            return
          }
          const n = (JSON.parse(text) as { tasks: unknown[] }).tasks.length
          this.stats.tasksClaimed += n
          resolve(n)
        })
      })
      req.on('error', () => {
        this.stats.claimErrors++
        resolve(0)
      })
      req.end(body)
    })
  }

  /**
   * Kills nodes: `silent` stops their heartbeats with the socket left open (a hung or partitioned
   * node: only the failure detector can tell), `close` drops the connection (a crashed process).
   */
  kill(indexes: number[], mode: 'silent' | 'close'): number {
    const at = Date.now()
    for (const index of indexes) {
      const node = this.nodes[index - this.o.from]
      if (node === undefined) continue
      node.killed = true
      clearInterval(node.timer)
      node.timer = undefined
      if (mode === 'close') node.ws?.terminate()
    }
    return at
  }

  snapshot(): FleetStats {
    const cpu = process.cpuUsage()
    return {
      nodes: this.nodes.length,
      ...this.stats,
      loopDelayP99Ms: this.loop.percentile(99) / 1e6,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      rssMb: process.memoryUsage().rss / 2 ** 20,
      heartbeatIntervalMs: this.intervalMs,
    }
  }

  resetLoopDelay(): void {
    this.loop.reset()
  }

  stop(): void {
    this.stopped = true
    for (const t of this.claimTimers.values()) clearTimeout(t)
    this.claimTimers.clear()
    for (const node of this.nodes) {
      clearInterval(node.timer)
      node.ws?.terminate()
    }
    this.agent.destroy()
    this.loop.disable()
  }
}
