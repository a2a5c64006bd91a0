/**
 * @w3ai/hub: the coordinator — node registry, accounts, liveness, event stream, OpenAPI, metrics
 * and the dashboard, over PGlite or PostgreSQL.
 *
 * ```ts
 * const hub = createHub({ home: '/tmp/w3ai', port: 0 })
 * await hub.start()
 * console.log(hub.url) // http://127.0.0.1:PORT
 * await hub.stop()
 * ```
 */
export { createHub, type Hub, type HubOptions } from './server.js'
export { HUB_DEFAULTS } from './constants.js'
export { openDatabase, migrate } from './db/open.js'
export { parseDatabaseUrl } from './db/postgres.js'
export type { Database, Queryable, QueryResult } from './db/types.js'
