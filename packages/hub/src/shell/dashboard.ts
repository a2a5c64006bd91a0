/**
 * The dashboard (a Vite build served at / with deep links), the not-found answer for the API, and
 * the security headers every answer carries (@fastify/helmet): a strict Content-Security-Policy
 * that still lets the dashboard load its own scripts, inline styles, data: images, and WebSockets
 * to the hub; nosniff; no framing; no referrer to other origins.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyHelmet from '@fastify/helmet'
import fastifyStatic from '@fastify/static'
import { W3aiError } from '@w3ai/protocol'
import type { FastifyInstance } from 'fastify'

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>w3ai hub</title>
<body style="font-family:sans-serif;padding:2rem"><h1>w3ai hub</h1>
<p>The dashboard is not built. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it), then reload.</p>
<p>The API is at <a href="/v1/health">/v1/health</a>; its document at <a href="/v1/openapi.json">/v1/openapi.json</a>.</p></body>`

/** The Content-Security-Policy directives of every answer. */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  fontSrc: ["'self'", 'data:'],
  // The page moves pieces straight to and from edge nodes, which anyone runs at any address: it
  // may connect anywhere over HTTP(S) and WebSockets, but loads scripts, frames and forms only
  // from the hub.
  connectSrc: ["'self'", 'http:', 'https:', 'ws:', 'wss:'],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // The hub is often served over plain HTTP on a LAN or loopback: do not force https.
  upgradeInsecureRequests: null,
}

/** Registers the security headers on the root instance (every route, the dashboard and errors included). */
export async function installSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    // Nodes and other origins fetch nothing from the hub's pages; the API is called by CLIs and SDKs.
    crossOriginEmbedderPolicy: false,
    hsts: false,
  })
}

/** Serves the dashboard from `webRoot`, or a page saying how to build it; API misses get ROUTE_NOT_FOUND. */
export async function installDashboard(app: FastifyInstance, webRoot: string): Promise<void> {
  const built = existsSync(join(webRoot, 'index.html'))
  if (built) await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: true, index: 'index.html' })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    const api = path.startsWith('/v1/') || path === '/v1' || path === '/metrics'
    if (!api && request.method === 'GET') {
      if (built) return reply.sendFile('index.html')
      return reply.type('text/html').send(NOT_BUILT_PAGE)
    }
    const e = new W3aiError('ROUTE_NOT_FOUND', `No endpoint ${request.method} ${path}; see /v1/openapi.json.`)
    return reply.status(e.status).send(e.toBody(request.id))
  })
}
