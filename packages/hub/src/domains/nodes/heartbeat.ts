/**
 * WebSockets: the node heartbeat socket (signed upgrade by the node's key) and the public event
 * stream the dashboard follows.
 */
import { idFromPublicKey } from '@w3ai/crypto'
import { HeartbeatMessageSchema, type EventStreamMessage, type HubToNodeMessage, type HubEvent } from '@w3ai/protocol'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { FastifyInstance } from 'fastify'
import type { WebSocket } from 'ws'
import { signerOf } from '../auth.js'
import type { HubContext } from '../context.js'

const checkHeartbeat = TypeCompiler.Compile(HeartbeatMessageSchema)

export const CLOSE_BAD_MESSAGE = 4400
export const CLOSE_NOT_REGISTERED = 4404
export const CLOSE_REPLACED = 4409
const MAX_HEARTBEAT_FRAME = 4096

function send(socket: WebSocket, msg: HubToNodeMessage | EventStreamMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg))
}

export async function streamRoutes(app: FastifyInstance, ctx: HubContext): Promise<void> {
  app.get(
    '/v1/nodes/heartbeat',
    { websocket: true, preValidation: ctx.requireSignature, schema: { hide: true } },
    async (socket, request) => {
      const nodeId = idFromPublicKey('node', signerOf(request))
      const log = request.log.child({ nodeId })
      // Messages may arrive while registration is checked; queue them until then.
      const early: Buffer[] = []
      const onEarly = (data: Buffer): void => void early.push(data)
      socket.on('message', onEarly)
      socket.on('error', (err) => log.debug({ err }, 'heartbeat socket error'))
      const connection: { socket: WebSocket } = { socket }
      const connected = await ctx.liveness.connect(nodeId, connection)
      if (connected === undefined) {
        send(socket, { type: 'error', code: 'NODE_NOT_REGISTERED', message: 'Register the node (POST /v1/nodes) first.' })
        socket.close(CLOSE_NOT_REGISTERED, 'NODE_NOT_REGISTERED')
        return
      }
      ctx.metrics.heartbeatSockets.inc()
      ;(connected.replaced as { socket?: WebSocket } | undefined)?.socket?.close(CLOSE_REPLACED, 'replaced by a newer connection')
      send(socket, { type: 'welcome', nodeId, heartbeatIntervalMs: ctx.heartbeatIntervalMs, orderKey: ctx.networkKey.publicKey })
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
        ctx.liveness.heartbeat(nodeId, connection, msg)
      }
      socket.off('message', onEarly)
      socket.on('message', onMessage)
      for (const data of early.splice(0)) onMessage(data)
      socket.on('close', () => {
        ctx.metrics.heartbeatSockets.dec()
        ctx.liveness.disconnect(nodeId, connection)
        log.info('node disconnected')
      })
    },
  )

  app.get('/v1/events', { websocket: true, schema: { hide: true } }, async (socket, request) => {
    ctx.metrics.eventClients.inc()
    let ready = false
    const queued: HubEvent[] = []
    const unsubscribe = ctx.bus.subscribe((event) => {
      if (!ready) {
        queued.push(event)
        return
      }
      if (socket.bufferedAmount > ctx.maxClientBacklogBytes) {
        socket.close(1013, 'client too slow')
        return
      }
      send(socket, event)
    })
    socket.on('error', (err) => request.log.debug({ err }, 'event socket error'))
    socket.on('close', () => {
      unsubscribe()
      ctx.metrics.eventClients.dec()
    })
    try {
      send(socket, { type: 'hello', hubId: ctx.hubId, nodes: await ctx.nodes.all() })
      for (const event of queued.splice(0)) send(socket, event)
      ready = true
    } catch (err) {
      request.log.error({ err }, 'event stream failed')
      socket.close(1011, 'INTERNAL')
    }
  })
}
