/** Test helpers: hubs on temporary homes, over PGlite and (when W3AI_TEST_DATABASE_URL is set) PostgreSQL. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { W3aiError } from '@w3ai/protocol'
import { createHub, type Hub, type HubOptions } from '../src/index.js'
import { dropSchema, freshDatabaseUrl, type Backend } from '../src/testing.js'

export { backends, dropSchema, freshDatabaseUrl, type Backend } from '../src/testing.js'

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
      const port = Number(new URL(hub.url).port)
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
