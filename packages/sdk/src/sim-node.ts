/**
 * A simulated node: registers a generated identity and streams synthetic heartbeats over the real
 * heartbeat socket. For tests, load generators and benchmarks; real nodes run @w3ai/node.
 */
import { generateIdentity, type Identity } from '@w3ai/crypto'
import type { HeartbeatMessage, HubToNodeMessage, NodeInfo, NodeRegistration } from '@w3ai/protocol'
import type WebSocket from 'ws'
import { HubClient } from './client.js'

export interface SimulatedNode {
  identity: Identity
  node: NodeInfo
  socket: WebSocket | undefined
  /** Opens the heartbeat socket; resolves on the hub's welcome. */
  connect(): Promise<{ heartbeatIntervalMs: number }>
  /** Sends one heartbeat with the given (or synthetic) load. */
  beat(load?: Partial<Omit<HeartbeatMessage, 'type' | 'seq'>>): void
  /** Sends heartbeats every interval until stopped. */
  startBeating(intervalMs: number): void
  stopBeating(): void
  /** Closes the socket (the hub sees a disconnect). */
  close(): void
}

export async function simulateNode(hubUrl: string, registration: NodeRegistration, identity: Identity = generateIdentity('node')): Promise<SimulatedNode> {
  const client = new HubClient({ url: hubUrl, identity })
  const node = await client.registerNode(registration)
  let seq = 0
  let timer: NodeJS.Timeout | undefined
  const sim: SimulatedNode = {
    identity,
    node,
    socket: undefined,
    connect() {
      const ws = client.openHeartbeatSocket()
      sim.socket = ws
      return new Promise((resolve, reject) => {
        ws.once('message', (data) => {
          const msg = JSON.parse(String(data)) as HubToNodeMessage
          if (msg.type === 'welcome') resolve({ heartbeatIntervalMs: msg.heartbeatIntervalMs })
          else if (msg.type === 'error') reject(new Error(`${msg.code}: ${msg.message}`))
        })
        ws.once('error', reject)
        ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)))
      })
    },
    beat(load = {}) {
      const msg: HeartbeatMessage = {
        type: 'heartbeat',
        seq: seq++,
        cpuPercent: load.cpuPercent ?? Math.round(Math.random() * 1000) / 10,
        memoryUsedGb: load.memoryUsedGb ?? 1,
        runningTasks: load.runningTasks ?? 0,
        diskUsedGb: load.diskUsedGb ?? 0.5,
      }
      if (sim.socket?.readyState === 1) sim.socket.send(JSON.stringify(msg))
    },
    startBeating(intervalMs) {
      sim.stopBeating()
      timer = setInterval(() => sim.beat(), intervalMs)
    },
    stopBeating() {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
    },
    close() {
      sim.stopBeating()
      sim.socket?.close()
    },
  }
  return sim
}
