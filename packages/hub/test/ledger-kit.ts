/**
 * Test kit for the ledger domain: a hub (inject only, no socket) with the faucet on, accounts with
 * SDK wallets, raw signed calls, and direct access to the hub's database while it is stopped, to
 * tamper with the journal the way an attacker with the database would.
 */
import { generateIdentity, signRequest, type Identity } from '@w3ai/crypto'
import { HubClient, LedgerClient, WalletClient } from '@w3ai/sdk'
import type { HTTPMethods } from 'fastify'
import type { HubOptions } from '../src/index.js'
import { openDatabase } from '../src/db/open.js'
import type { Queryable } from '../src/db/types.js'
import { INJECT_URL, injectFetch, startTestHub, type Backend, type TestHub } from './helpers.js'

export interface LedgerUser {
  /** The hub account id (a_…); its ledger account is user:<id>. */
  id: string
  identity: Identity
  hub: HubClient
  wallet: WalletClient
}

export interface Answer<T = unknown> {
  status: number
  body: T
  /** The error code of a refusal ('' for a success). */
  code: string
}

export interface LedgerHub {
  t: TestHub
  /** Unsigned public reads and verify(). */
  ledger: LedgerClient
  user(name?: string): Promise<LedgerUser>
  /** A request signed by `who` (unsigned when undefined), through inject; `headers` replace the signature's when given. */
  call<T = unknown>(who: LedgerUser | undefined, method: HTTPMethods, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer<T>>
  /** Stops the hub, runs `fn` on its database, starts it again. */
  withDatabase(fn: (db: Queryable) => Promise<void>): Promise<void>
  close(): Promise<void>
}

export async function startLedgerHub(backend: Backend, options: Partial<HubOptions> = {}): Promise<LedgerHub> {
  const t = await startTestHub(backend, { listen: false, ledger: { faucet: true }, ...options })
  // The hub changes on restart: every request goes to the current one.
  const fetch = ((input: string | URL | Request, init?: RequestInit) => injectFetch(t.hub.app)(input, init)) as typeof globalThis.fetch
  const client = (identity?: Identity): HubClient => new HubClient({ url: INJECT_URL, fetch, retry: false, ...(identity === undefined ? {} : { identity }) })
  return {
    t,
    ledger: new LedgerClient(client()),
    async user(name = 'user') {
      const identity = generateIdentity('account')
      const hub = client(identity)
      const account = await hub.createAccount({ name })
      return { id: account.id, identity, hub, wallet: new WalletClient(hub) }
    },
    async call<T>(who: LedgerUser | undefined, method: HTTPMethods, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer<T>> {
      const text = body === undefined ? undefined : JSON.stringify(body)
      const res = await t.hub.app.inject({
        method,
        url: path,
        headers: { ...(text === undefined ? {} : { 'content-type': 'application/json' }), ...(headers ?? (who === undefined ? {} : signRequest(who.identity, method, path, text))) },
        ...(text === undefined ? {} : { payload: text }),
      })
      const parsed = res.body === '' ? null : (JSON.parse(res.body) as T & { error?: { code: string } })
      return { status: res.statusCode, body: parsed as T, code: res.statusCode >= 400 ? ((parsed as { error?: { code: string } } | null)?.error?.code ?? '') : '' }
    },
    async withDatabase(fn) {
      await t.hub.stop()
      const db = await openDatabase({ home: t.home, databaseUrl: t.databaseUrl })
      try {
        await fn(db)
      } finally {
        await db.close()
      }
      await t.restart()
    },
    close: () => t.close(),
  }
}
