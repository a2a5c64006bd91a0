/** The node's own HTTP endpoint: health and, when a piece store is given, the piece API. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { W3aiError, type ErrorBody } from '@w3ai/protocol'
import { MAX_PARAM_LENGTH } from './constants.js'
import { pieceRoutes, type PieceRoutesComponents } from './pieces-routes.js'
import { serveRoutes, type ServeRoutesComponents } from './serve-routes.js'

export interface NodeHealth {
  status: 'ok'
  nodeId: string
  version: string
  uptimeSec: number
  hub: { url: string; state: string; connected: boolean }
  pieces: { count: number; bytes: number }
}

export interface ServerComponents {
  logger: Logger | undefined
  health: () => NodeHealth
  /** Serves `/v1/pieces` when given. */
  pieces?: PieceRoutesComponents
  /** Serves `/v1/serve/:deploymentId` (inference forwarded by hubs) when given. */
  serve?: ServeRoutesComponents
}

export function createServer({ logger, health, pieces, serve }: ServerComponents): FastifyInstance {
  // A stopping node cuts the connections clients still hold (an upload it refused early, a
  // keep-alive socket mid-request) rather than waiting for them: stop() must not hang on a client.
  const common = { forceCloseConnections: true, routerOptions: { maxParamLength: MAX_PARAM_LENGTH } } as const
  const app: FastifyInstance =
    logger === undefined
      ? Fastify({ logger: false, ...common })
      : Fastify({ loggerInstance: logger as FastifyBaseLogger, disableRequestLogging: true, ...common })

  app.get('/health', async () => health())
  if (pieces !== undefined) void app.register(pieceRoutes(pieces), { prefix: '/v1/pieces' })
  if (serve !== undefined) void app.register(serveRoutes(serve), { prefix: '/v1/serve' })

  app.setNotFoundHandler((req, reply) => {
    const body: ErrorBody = { error: { code: 'ROUTE_NOT_FOUND', message: `No endpoint ${req.method} ${req.url} on this node.` } }
    void reply.code(404).send(body)
  })

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof W3aiError) return reply.code(err.status).send(err.toBody(req.id))
    const status = typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500
    if (status >= 500) req.log.error({ err }, 'request failed')
    const code = status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'VALIDATION_FAILED' : 'INTERNAL'
    return reply.code(status).send(new W3aiError(code, status < 500 ? (err as Error).message : undefined).toBody(req.id))
  })

  return app
}
