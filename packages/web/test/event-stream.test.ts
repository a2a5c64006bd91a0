import { describe, expect, it } from 'vitest'
import type { EventStreamMessage } from '@w3ai/protocol'
import { EventStream, eventsUrl, type EventStreamComponents, type SocketLike, type StreamState } from '../src/event-stream.js'

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
function harness() {
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
    { url: 'ws://hub/v1/events', onMessage: (m) => messages.push(m), onState: (s) => states.push(s), random: () => 1 },
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
})
