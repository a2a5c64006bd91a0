/**
 * @w3ai/hub: the coordinator — node registry, accounts, liveness, event stream, storage, compute
 * and serving, OpenAPI, metrics and the dashboard, over PGlite or PostgreSQL. Each domain is an
 * encapsulated Fastify plugin under `src/domains/<name>/`; `createHub` composes them.
 *
 * ```ts
 * const hub = createHub({ home: '/tmp/w3ai', port: 0 })
 * await hub.start()
 * console.log(hub.url) // http://127.0.0.1:PORT
 * await hub.stop()
 * ```
 */
export { createHub, type Hub } from './server.js'
export { loadConfig, HubConfigError, STORAGE_ENV, COMPUTE_ENV, HUB_ENV, type HubOptions, type HubConfig, type StorageSettings, type ComputeSettings } from './config.js'
export { HUB_DEFAULTS } from './constants.js'
export { Lifecycle, type Startable } from './lifecycle.js'
export { openDatabase, migrate } from './db/open.js'
export { HubRegistry, type HubRegistryOptions } from './db/hub-registry.js'
export { restrictTree } from './db/private-files.js'
export { loadNetworkKey, readNetworkKeyFile, NetworkKeyError } from './infra/network-key.js'
export { parseDatabaseUrl } from './db/postgres.js'
export type { Database, Queryable, QueryResult } from './db/types.js'
export { GOVERNANCE_ENV, type GovernanceSettings } from './domains/governance/config.js'
export type { NetworkParameters, ParametersChanged } from './domains/governance/parameters.js'
