/** The node heartbeat socket: a signed WebSocket upgrade by the node's key, then heartbeats. */
import { HeartbeatMessageSchema, type HubToNodeMessage } from '@w3ai/protocol'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { FastifyPluginAsync } from 'fastify'
import type { WebSocket } from 'ws'
import { nodeOf } from '../../shell/auth.js'
import type { NodesPluginOptions } from './plugin.js'

const checkHeartbeat = TypeCompiler.Compile(HeartbeatMessageSchema)

export const CLOSE_BAD_MESSAGE = 4400
export const CLOSE_NOT_REGISTERED = 4404
export const CLOSE_REPLACED = 4409
const MAX_HEARTBEAT_FRAME = 4096

function send(socket: WebSocket, msg: HubToNodeMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg))
}

export interface HeartbeatRoutesOptions extends NodesPluginOptions {
  /** The other live hubs of this network, named in the welcome so nodes can fail over to them. */
  otherHubs?: () => Promise<readonly string[]>
}

/**
 * Calls `read` at most once at a time: callers that arrive while a read is under way share its
 * answer (thousands of nodes reconnecting at once cost one query, not one each), and a caller
 * arriving after it finished starts a fresh read, so a hub that stopped is not named from a cache.
 */
export function singleFlight<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined
    })
    return inFlight
  }
}

export const heartbeatRoutes: FastifyPluginAsync<HeartbeatRoutesOptions> = async (app, o) => {
  const otherHubs = o.otherHubs === undefined ? undefined : singleFlight(o.otherHubs)
  app.get('/heartbeat', { websocket: true, config: { auth: 'signed' }, schema: { hide: true } }, async (socket, request) => {
    const nodeId = nodeOf(request)
    const log = request.log.child({ nodeId })
    // Messages may arrive while registration is checked; queue them until then.
    const early: Buffer[] = []
    const onEarly = (data: Buffer): void => void early.push(data)
    socket.on('message', onEarly)
    socket.on('error', (err) => log.debug({ code: (err as { code?: string }).code }, 'heartbeat socket error'))
    const connection: { socket: WebSocket; send: (msg: HubToNodeMessage) => void } = { socket, send: (msg) => send(socket, msg) }
    // Read before connecting: from the connection on, nothing may wait before 'close' is handled.
    const hubs = (await otherHubs?.().catch((err: unknown) => {
      log.warn({ code: (err as { code?: string }).code }, 'could not read the other hubs for the welcome')
      return []
    })) ?? []
    const connected = await o.liveness.connect(nodeId, connection)
    if (connected === undefined) {
      send(socket, { type: 'error', code: 'NODE_NOT_REGISTERED', message: 'Register the node (POST /v1/nodes) first.' })
      socket.close(CLOSE_NOT_REGISTERED, 'NODE_NOT_REGISTERED')
      return
    }
    o.heartbeatSockets.inc()
    ;(connected.replaced as { socket?: WebSocket } | undefined)?.socket?.close(CLOSE_REPLACED, 'replaced by a newer connection')
    send(socket, { type: 'welcome', nodeId, heartbeatIntervalMs: o.heartbeatIntervalMs, orderKey: o.orderKey, ...(hubs.length === 0 ? {} : { hubs: [...hubs] }) })
    log.info('node connected')

    const onMessage = (data: Buffer): void => {
      let msg: unknown
      try {
        msg = data.length > MAX_HEARTBEAT_FRAME ? undefined : JSON.parse(data.toString('utf8'))
      } catch {
        msg = undefined
      }
      if (!checkHeartbeat.Check(msg)) {
        send(socket, { type: 'error', code: 'NODE_BAD_HEARTBEAT', message: 'A heartbeat message does not match the schema.' })
        socket.close(CLOSE_BAD_MESSAGE, 'NODE_BAD_HEARTBEAT')
        return
      }
      o.liveness.heartbeat(nodeId, connection, msg)
    }
    socket.off('message', onEarly)
    socket.on('message', onMessage)
    for (const data of early.splice(0)) onMessage(data)
    socket.on('close', () => {
      o.heartbeatSockets.dec()
      o.liveness.disconnect(nodeId, connection)
      log.info('node disconnected')
    })
  })
}
