/**
 * Test kit for the market domain: a storage network (hub with the faucet on, real node agents) so
 * listings name real encrypted objects, accounts with tokens, signed requests through inject (with
 * an optional Idempotency-Key), and the ledger read back: wallets, accounts, the supply summary.
 */
import { randomBytes } from 'node:crypto'
import { signRequest, type Identity } from '@w3ai/crypto'
import { splitFee } from '@w3ai/ledger'
import type { Listing, ListingDraft, Order, Wallet } from '@w3ai/protocol'
import { LedgerClient, WalletClient, type HubClient, type StorageClient } from '@w3ai/sdk'
import type { HTTPMethods } from 'fastify'
import type { HubOptions } from '../src/index.js'
import type { Backend } from './helpers.js'
import { chunks, startStorageNet, type StorageNet } from './storage-net.js'

export interface Trader {
  id: string
  identity: Identity
  hub: HubClient
  storage: StorageClient
  wallet: WalletClient
}

export interface Answer<T = unknown> {
  status: number
  body: T
  /** The error code of a refusal ('' for a success). */
  code: string
}

export interface MarketNet {
  net: StorageNet
  ledger: LedgerClient
  /** A fresh account with `tokens` units from the faucet (default 10 tokens). */
  trader(name: string, tokens?: bigint): Promise<Trader>
  /** Stores random bytes (or `bytes`) as the trader's object; its CID. */
  store(who: Trader, bytes?: Uint8Array): Promise<string>
  call<T = unknown>(who: Trader | undefined, method: HTTPMethods, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer<T>>
  /** Publishes a listing (fields over a download dataset at 10^15 units); its wire form. */
  publish(who: Trader, cid: string, over?: Partial<ListingDraft>): Promise<Listing>
  buy(who: Trader, listingId: string, body?: Record<string, unknown>, headers?: Record<string, string>): Promise<Answer<Order>>
  balance(who: Trader): Promise<Wallet>
  /** A ledger account's posted balance (credits − debits), 0 when it does not exist. */
  account(id: string): Promise<bigint>
  /** What a payment of `amount` splits into under the hub's parameters now. */
  split(amount: bigint): Promise<ReturnType<typeof splitFee>>
  close(): Promise<void>
}

export const TOKEN = 10n ** 18n
export const PRICE = 10n ** 15n

export async function startMarketNet(backend: Backend, options: Partial<HubOptions> = {}): Promise<MarketNet> {
  const net = await startStorageNet(backend, 3, { ledger: { faucet: true }, ...options })
  const call = async <T>(who: Trader | undefined, method: HTTPMethods, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> => {
    const text = body === undefined ? undefined : JSON.stringify(body)
    const res = await net.t.hub.app.inject({
      method,
      url: path,
      headers: { ...(text === undefined ? {} : { 'content-type': 'application/json' }), ...(who === undefined ? {} : signRequest(who.identity, method, path, text)), ...headers },
      ...(text === undefined ? {} : { payload: text }),
    })
    const parsed = res.body === '' ? null : (JSON.parse(res.body) as T & { error?: { code: string } })
    return { status: res.statusCode, body: parsed as T, code: res.statusCode >= 400 ? ((parsed as { error?: { code: string } } | null)?.error?.code ?? '') : '' }
  }
  const probe = await net.account('probe')
  const ledger = new LedgerClient(probe.hub)
  return {
    net,
    ledger,
    async trader(name, tokens = 10n * TOKEN) {
      const a = await net.account(name)
      const wallet = new WalletClient(a.hub)
      if (tokens > 0n) await wallet.faucet(tokens)
      return { id: a.identity.id, identity: a.identity, hub: a.hub, storage: a.storage, wallet }
    },
    async store(who, bytes = randomBytes(700)) {
      return (await who.storage.put(chunks(bytes), bytes.length, { redundancy: { k: 2, n: 3, repairThreshold: 3 } })).cid
    },
    call,
    async publish(who, cid, over = {}) {
      const draft = { kind: 'dataset', title: 'Shop purchases 2025', description: 'Anonymised purchase history of a small shop.', tags: ['retail'], licence: 'CC-BY-4.0', access: 'download', price: PRICE.toString(), cid, ...over }
      const r = await call<Listing>(who, 'POST', '/v1/market/listings', draft)
      if (r.status !== 201) throw new Error(`publish failed: ${r.status} ${JSON.stringify(r.body)}`)
      return r.body
    },
    buy: (who, listingId, body = {}, headers) => call<Order>(who, 'POST', `/v1/market/listings/${listingId}/orders`, body, headers),
    balance: (who) => who.wallet.balance(),
    async account(id) {
      const all = await ledger.allAccounts()
      const a = all.find((x) => x.id === id)
      return a === undefined ? 0n : a.creditsPosted - a.debitsPosted
    },
    async split(amount) {
      return splitFee(amount, await net.t.hub.parameters.all())
    },
    close: () => net.close(),
  }
}
