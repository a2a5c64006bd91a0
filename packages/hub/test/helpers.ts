/** Test helpers: hubs on temporary homes, over PGlite and (when W3AI_TEST_DATABASE_URL is set) PostgreSQL. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { W3aiError } from '@w3ai/protocol'
import type { FastifyInstance, HTTPMethods } from 'fastify'
import { createHub, openDatabase, type Database, type Hub, type HubOptions } from '../src/index.js'
import { dropSchema, freshDatabaseUrl, seedPgliteHome, type Backend } from '../src/testing.js'

export { backends, dropSchema, freshDatabaseUrl, storyBackends, type Backend } from '../src/testing.js'

/**
 * Opens a new, migrated database for `home`: a copy of the migrated PGlite template (a fifth of an
 * initdb and the migrations), or the fresh schema `databaseUrl` names.
 */
export async function openFreshDatabase(home: string, databaseUrl: string | undefined): Promise<Database> {
  if (databaseUrl === undefined) await seedPgliteHome(home)
  return openDatabase({ home, ...(databaseUrl === undefined ? {} : { databaseUrl }) })
}

export async function tempHome(prefix = 'w3ai-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

export interface TestHub {
  hub: Hub
  home: string
  databaseUrl: string | undefined
  /** Stops the hub and starts a new one on the same home, database and port. */
  restart(): Promise<Hub>
  close(): Promise<void>
}

export async function startTestHub(backend: Backend, options: Partial<HubOptions> = {}): Promise<TestHub> {
  const { dir, cleanup } = await tempHome()
  const databaseUrl = options.databaseUrl ?? freshDatabaseUrl(backend)
  // A copy of a migrated database instead of an initdb per hub (see pglite-template.ts).
  if (databaseUrl === undefined) await seedPgliteHome(dir)
  const base: HubOptions = { home: dir, port: 0, logLevel: false, ...options, ...(databaseUrl === undefined ? {} : { databaseUrl }) }
  let hub = createHub(base)
  await hub.start()
  const t: TestHub = {
    get hub() {
      return hub
    },
    home: dir,
    databaseUrl,
    async restart() {
      const port = base.listen === false ? 0 : Number(new URL(hub.url).port)
      await hub.stop()
      hub = createHub({ ...base, port })
      await hub.start()
      return hub
    },
    async close() {
      await hub.stop()
      await cleanup()
      if (databaseUrl !== undefined) await dropSchema(databaseUrl)
    },
  }
  return t
}

/** A base URL for SDK clients that reach a hub through `injectFetch`; no socket is ever opened. */
export const INJECT_URL = 'http://hub.inject'

/**
 * A fetch that answers through `app.inject`, so SDK clients exercise the routes of a hub started
 * with `listen: false` (route tests use inject; only devnet tests need real sockets).
 */
export function injectFetch(app: FastifyInstance): typeof fetch {
  const answer = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (input instanceof Request) throw new Error('injectFetch takes a URL, not a Request')
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') throw new Error('injectFetch sends string bodies only')
    const url = new URL(input)
    const res = await app.inject({
      method: (init.method ?? 'GET') as HTTPMethods,
      url: url.pathname + url.search,
      headers: Object.fromEntries(new Headers(init.headers)),
      ...(typeof init.body === 'string' ? { payload: init.body } : {}),
    })
    const headers = new Headers()
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : String(v))
    const empty = res.statusCode === 204 || res.statusCode === 304
    return new Response(empty ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers })
  }
  return answer as typeof fetch
}

/** Polls `fn` until it returns true (errors count as false) or the time runs out. */
export async function until(fn: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if (await fn()) return
    } catch {
      // poll on until the deadline
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export const sampleRegistration = (over: Record<string, unknown> = {}) => ({
  name: 'test-node',
  version: '0.1.0',
  capabilities: { cpuCores: 4, memoryGb: 8, gpus: [{ model: 'NVIDIA T4', memoryGb: 16 }], diskGb: 100, executors: ['onnx', 'train'] },
  location: { lat: 50.11, lon: 8.68, region: 'eu-central', city: 'Frankfurt' },
  endpoint: 'http://127.0.0.1:9',
  ...over,
})


/** The stable code a promise rejects with ('resolved' when it does not). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'resolved'
  } catch (err) {
    return err instanceof W3aiError ? err.code : `non-w3ai error: ${String(err)}`
  }
}
