import { describe, expect, it } from 'vitest'
import type { EventStreamMessage } from '@w3ai/protocol'
import { EventStream, eventsUrl, withQuery, type EventStreamComponents, type EventStreamOptions, type SocketLike, type StreamState } from '../src/event-stream.js'

class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  closed = false
  constructor(readonly url: string) {}
  close(): void {
    if (this.closed) return
    this.closed = true
    this.onclose?.({})
  }
  deliver(message: EventStreamMessage | string): void {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) })
  }
}

/** Sockets and timers under the test's control: timers fire only when `runTimers()` is called. */
function harness(authorize?: EventStreamOptions['authorize']) {
  const sockets: FakeSocket[] = []
  const timers: Array<{ fn: () => void; ms: number }> = []
  const states: StreamState[] = []
  const messages: EventStreamMessage[] = []
  const components: EventStreamComponents = {
    openSocket: (url) => {
      const socket = new FakeSocket(url)
      sockets.push(socket)
      return socket
    },
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => timers.splice(0),
  }
  const stream = new EventStream(
    { url: 'ws://hub/v1/events', onMessage: (m) => messages.push(m), onState: (s) => states.push(s), random: () => 1, ...(authorize === undefined ? {} : { authorize }) },
    components,
  )
  const runTimers = () => timers.splice(0).forEach((t) => t.fn())
  return { stream, sockets, timers, states, messages, runTimers }
}

const hello: EventStreamMessage = { type: 'hello', hubId: 'h_1', nodes: [] }

describe('event stream client', () => {
  it('derives the socket URL from the page scheme and host', () => {
    expect(eventsUrl({ protocol: 'http:', host: 'localhost:7420' })).toBe('ws://localhost:7420/v1/events')
    expect(eventsUrl({ protocol: 'https:', host: 'hub.example' })).toBe('wss://hub.example/v1/events')
  })

  it('is live only after the hello, and passes every message on', () => {
    const h = harness()
    h.stream.start()
    expect(h.sockets).toHaveLength(1)
    expect(h.states).toEqual([])
    h.sockets[0]!.deliver(hello)
    h.sockets[0]!.deliver({ type: 'node.status', id: 'n_1', status: 'offline', at: 'now' })
    expect(h.states).toEqual(['live'])
    expect(h.messages.map((m) => m.type)).toEqual(['hello', 'node.status'])
  })

  it('shows reconnecting when the socket drops and retries with growing delays', () => {
    const h = harness()
    h.stream.start()
    h.sockets[0]!.deliver(hello)
    h.sockets[0]!.close()
    expect(h.states).toEqual(['live', 'reconnecting'])
    expect(h.timers.map((t) => t.ms)).toEqual([500])
    h.runTimers()
    h.sockets[1]!.close() // the hub is still down
    expect(h.timers.map((t) => t.ms)).toEqual([1000])
    h.runTimers()
    h.sockets[2]!.deliver(hello)
    expect(h.states).toEqual(['live', 'reconnecting', 'live'])
    h.sockets[2]!.close()
    expect(h.timers.map((t) => t.ms)).toEqual([500]) // a hello resets the backoff
  })

  it('drops malformed frames without closing the stream', () => {
    const h = harness()
    h.stream.start()
    h.sockets[0]!.deliver('{not json')
    h.sockets[0]!.deliver(hello)
    expect(h.messages).toHaveLength(1)
    expect(h.sockets[0]!.closed).toBe(false)
  })

  it('stops for good: closes the socket and schedules nothing', () => {
    const h = harness()
    h.stream.start()
    h.stream.stop()
    h.stream.stop()
    expect(h.sockets[0]!.closed).toBe(true)
    expect(h.timers).toEqual([])
    expect(h.states).toEqual([])
  })

  it('subscribes signed: asks for fresh parameters on every connection and puts them in the query', async () => {
    let n = 0
    const h = harness(async () => ({ key: 'K', timestamp: String(++n), nonce: `nonce-${n}`, signature: 'S/+=' }))
    h.stream.start()
    expect(h.sockets).toHaveLength(0) // waits for the signature
    await settle()
    expect(h.sockets.map((s) => s.url)).toEqual(['ws://hub/v1/events?key=K&timestamp=1&nonce=nonce-1&signature=S%2F%2B%3D'])
    h.sockets[0]!.close()
    h.runTimers()
    await settle()
    expect(h.sockets[1]!.url).toBe('ws://hub/v1/events?key=K&timestamp=2&nonce=nonce-2&signature=S%2F%2B%3D') // re-signed, not replayed
  })

  it('subscribes anonymously without an identity, or when signing fails', async () => {
    const h = harness(async () => null)
    h.stream.start()
    await settle()
    expect(h.sockets[0]!.url).toBe('ws://hub/v1/events')
    const f = harness(() => Promise.reject(new Error('no key')))
    f.stream.start()
    await settle()
    expect(f.sockets[0]!.url).toBe('ws://hub/v1/events')
  })

  it('reconnects at once, as the new subscriber, when the identity changes', async () => {
    let identity: string | null = null
    const h = harness(async () => (identity === null ? null : { key: identity, timestamp: '1', nonce: 'n', signature: 's' }))
    h.stream.start()
    await settle()
    h.sockets[0]!.deliver(hello)
    identity = 'K2'
    h.stream.reconnect()
    expect(h.sockets[0]!.closed).toBe(true)
    expect(h.states).toEqual(['live', 'reconnecting'])
    await settle()
    expect(h.sockets).toHaveLength(2)
    expect(h.sockets[1]!.url).toContain('key=K2')
    expect(h.timers).toEqual([]) // no extra reconnect scheduled by the old socket's close
    h.sockets[1]!.deliver(hello)
    expect(h.states).toEqual(['live', 'reconnecting', 'live'])
  })

  it('abandons a connection still being signed when stopped or superseded', async () => {
    const pending: Array<(v: Record<string, string> | null) => void> = []
    const h = harness(() => new Promise((resolve) => pending.push(resolve)))
    h.stream.start()
    h.stream.reconnect() // supersedes the first, still unsigned
    h.stream.stop()
    for (const resolve of pending) resolve({ key: 'K', timestamp: '1', nonce: 'n', signature: 's' })
    await settle()
    expect(h.sockets).toHaveLength(0)
  })

  it('adds parameters to a URL with or without a query', () => {
    expect(withQuery('ws://h/v1/events', null)).toBe('ws://h/v1/events')
    expect(withQuery('ws://h/v1/events', { a: '1' })).toBe('ws://h/v1/events?a=1')
    expect(withQuery('ws://h/v1/events?x=y', { a: '1' })).toBe('ws://h/v1/events?x=y&a=1')
  })
})

/** Lets pending promise callbacks (the signer) run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}
