/**
 * CORS for the piece API. Browsers (the dashboard) upload and download pieces straight from the
 * nodes, cross-origin. Any origin may call: access is granted by the hub-signed order in
 * `x-w3ai-order`, never by cookies or the caller's origin, so `*` gives nothing away.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { HEADER_ORDER } from '@w3ai/protocol'

export const CORS_ALLOW_METHODS = 'GET, PUT, DELETE, POST, OPTIONS'
export const CORS_ALLOW_HEADERS = `${HEADER_ORDER}, content-type, range`
export const CORS_EXPOSE_HEADERS = 'content-length, content-range'
/** Seconds a browser may reuse a preflight answer (one per piece URL otherwise). */
const PREFLIGHT_MAX_AGE_S = 600

async function corsHeaders(_req: FastifyRequest, reply: FastifyReply): Promise<void> {
  // Set before any check runs, so error answers are readable by the page too.
  void reply.header('access-control-allow-origin', '*').header('access-control-expose-headers', CORS_EXPOSE_HEADERS)
}

async function preflight(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  void reply
    .header('access-control-allow-methods', CORS_ALLOW_METHODS)
    .header('access-control-allow-headers', CORS_ALLOW_HEADERS)
    .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_S))
  // Chromium asks before a public page reaches a node on a private network (Private Network Access).
  if (req.headers['access-control-request-private-network'] === 'true') void reply.header('access-control-allow-private-network', 'true')
  return reply.code(204).send()
}

/** Adds CORS headers to every route of the (encapsulated) plugin and answers preflights for `paths`. */
export function allowCrossOrigin(app: FastifyInstance, paths: readonly string[]): void {
  app.addHook('onRequest', corsHeaders)
  for (const path of paths) app.options(path, preflight)
}
