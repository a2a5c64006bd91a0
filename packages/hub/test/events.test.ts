import { randomBytes } from 'node:crypto'
import { signRequest } from '@w3ai/crypto'
import type { EventStreamMessage } from '@w3ai/protocol'
import { JobsClient } from '@w3ai/sdk'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from './helpers.js'
import { chunks, startStorageNet, type StorageNet } from './storage-net.js'

type Account = Awaited<ReturnType<StorageNet['account']>>

interface Subscription {
  messages: EventStreamMessage[]
  close(): void
}

function subscribe(url: string): Promise<Subscription> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const messages: EventStreamMessage[] = []
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as EventStreamMessage))
    ws.on('open', () => resolve({ messages, close: () => ws.close() }))
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })))
    })
    ws.on('error', reject)
  })
}

/** The query string of a signed subscription: the signed-request headers of `GET /v1/events` with an empty body. */
function signedQuery(account: Account, tamper?: (q: Record<string, string>) => void): string {
  const h = signRequest(account.identity, 'GET', '/v1/events')
  const q: Record<string, string> = { key: h['x-w3ai-key'], timestamp: h['x-w3ai-timestamp'], nonce: h['x-w3ai-nonce'], signature: h['x-w3ai-signature'] }
  tamper?.(q)
  return new URLSearchParams(q).toString()
}

const jobIds = (s: Subscription): string[] => s.messages.flatMap((m) => (m.type === 'job.updated' ? [m.jobId] : []))

/** User events go only to their owner's signed subscription; network events go to everyone. */
describe('event stream audiences', () => {
  let net: StorageNet
  let alice: Account
  let bob: Account
  let wsUrl: string
  const job = async (who: Account): Promise<string> => {
    const bytes = randomBytes(500)
    const module = (await who.storage.put(chunks(bytes), bytes.length)).cid
    const submitted = await new JobsClient(who.hub, who.identity).submit({ executor: 'wasm', inputs: { module } })
    return submitted.id
  }

  beforeAll(async () => {
    net = await startStorageNet('pglite', 6, { compute: { spotCheckRate: 0 } })
    alice = await net.account('alice')
    bob = await net.account('bob')
    wsUrl = net.t.hub.url.replace('http', 'ws') + '/v1/events'
  }, 90_000)
  afterAll(async () => net?.close(), 60_000)

  it('streams node events but no job events to an unsigned subscriber, and only its own jobs to a signed one', async () => {
    const open = await subscribe(wsUrl)
    const mine = await subscribe(`${wsUrl}?${signedQuery(alice)}`)
    const theirs = await subscribe(`${wsUrl}?${signedQuery(bob)}`)
    const aliceJob = await job(alice)
    const bobJob = await job(bob)
    // Events reach each subscriber in order: once a later event arrived, the earlier ones were decided.
    const aliceLater = await job(alice)
    await until(async () => jobIds(mine).includes(aliceLater), 15_000)
    await until(async () => jobIds(theirs).includes(bobJob), 15_000)
    const seen = open.messages.length
    await until(async () => open.messages.slice(seen).some((m) => m.type.startsWith('node.')), 15_000)

    expect(open.messages[0]?.type).toBe('hello')
    expect(mine.messages[0]?.type).toBe('hello')
    expect(open.messages.some((m) => m.type.startsWith('node.'))).toBe(true)
    expect(open.messages.filter((m) => m.type === 'job.updated' || m.type === 'deployment.updated')).toEqual([])
    expect(new Set(jobIds(mine))).toEqual(new Set([aliceJob, aliceLater]))
    expect(new Set(jobIds(theirs))).toEqual(new Set([bobJob]))
    for (const s of [open, mine, theirs]) s.close()
  }, 60_000)

  it('refuses a tampered, stale, partial or replayed subscription before the upgrade with its code', async () => {
    const refusal = async (query: string): Promise<[number, string]> => {
      const err = (await subscribe(`${wsUrl}?${query}`).then(
        (s) => (s.close(), new Error('accepted')),
        (e: unknown) => e,
      )) as { status?: number; body?: string }
      return [err.status ?? 0, (JSON.parse(err.body ?? '{}') as { error?: { code: string } }).error?.code ?? '']
    }
    expect(await refusal(signedQuery(alice, (q) => (q.signature = q.signature!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')))))).toEqual([401, 'AUTH_BAD_SIGNATURE'])
    const old = signRequest(alice.identity, 'GET', '/v1/events', undefined, { now: Date.now() - 10 * 60_000 })
    expect(await refusal(new URLSearchParams({ key: old['x-w3ai-key'], timestamp: old['x-w3ai-timestamp'], nonce: old['x-w3ai-nonce'], signature: old['x-w3ai-signature'] }).toString())).toEqual([401, 'AUTH_STALE_TIMESTAMP'])
    expect(await refusal(signedQuery(alice, (q) => delete q.nonce))).toEqual([401, 'AUTH_MISSING_SIGNATURE'])
    const once = signedQuery(alice)
    ;(await subscribe(`${wsUrl}?${once}`)).close()
    expect(await refusal(once)).toEqual([401, 'AUTH_REPLAYED_NONCE'])
  })
})
