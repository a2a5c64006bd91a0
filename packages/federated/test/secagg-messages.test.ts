import { describe, expect, it } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import {
  SecAggClient,
  SecAggServer,
  type SecAggReply,
  type SecAggRequest,
  type SecAggServerOptions,
  type SecAggShareKeysRequest,
  type SecAggUnmaskRequest,
} from '../src/index.js'
import { codeOf } from './helpers.js'

const ids = ['alice', 'bob', 'carol', 'dave', 'erin']
const wire = <T>(message: T): T => JSON.parse(JSON.stringify(message)) as T
const update = (i: number) => ({ parameters: [Float32Array.of(i, -i / 2, 0.25, 1)], numExamples: 10 * (i + 1) })

function answer(client: SecAggClient, request: SecAggRequest, i: number): SecAggReply {
  switch (request.stage) {
    case 'setup':
      return client.setup(request)
    case 'share-keys':
      return client.shareKeys(request)
    case 'collect-masked-vectors':
      return client.collect(request, update(i))
    case 'unmask':
      return client.unmask(request)
  }
}

/** A server and five clients, stepped one stage at a time by the test. */
function round(options: Partial<SecAggServerOptions> = {}) {
  const server = new SecAggServer({ roundId: 'r1', clients: ids, tensorSizes: [4], ...options })
  const clients = new Map(ids.map((id) => [id, new SecAggClient(id)]))
  /** Every (non-skipped) client's reply to the current stage's request, as it travels. */
  const replies = (skip: string[] = []): Record<string, SecAggReply> => {
    const out: Record<string, SecAggReply> = {}
    for (const [id, request] of Object.entries(server.requests())) {
      if (!skip.includes(id)) out[id] = wire(answer(clients.get(id) as SecAggClient, wire(request), ids.indexOf(id)))
    }
    return out
  }
  const deliver = (all: Record<string, SecAggReply>): void => Object.values(all).forEach((r) => server.receive(r))
  /** Runs the current stage to its end. */
  const step = (skip: string[] = []): Record<string, SecAggReply> => {
    const all = replies(skip)
    deliver(all)
    server.advance()
    return all
  }
  return { server, clients, replies, deliver, step }
}

/** The example-weighted mean of the updates of clients `which`, in float64. */
function expectedMean(which: number[]): number[] {
  const total = which.reduce((s, i) => s + update(i).numExamples, 0)
  return [0, 1, 2, 3].map((k) => which.reduce((s, i) => s + (update(i).parameters[0] as Float32Array)[k]! * update(i).numExamples, 0) / total)
}

describe('the SecAgg+ server refuses bad messages and keeps its state', () => {
  it('refuses a reply for another round (FL_SECAGG_WRONG_ROUND), such as a replay of an earlier round', () => {
    const old = round()
    const oldSetup = old.replies()
    const { server } = round({ roundId: 'r2' })
    expect(codeOf(() => server.receive(oldSetup.alice))).toBe('FL_SECAGG_WRONG_ROUND')
    expect(server.pending()).toEqual([...ids].sort())
  })

  it('refuses a reply for a stage the round is not in (FL_SECAGG_WRONG_STAGE), also once the round is over', () => {
    const { server, step, replies } = round()
    const setup = step()
    expect(server.stage).toBe('share-keys')
    expect(codeOf(() => server.receive(setup.bob))).toBe('FL_SECAGG_WRONG_STAGE')
    const shares = replies()
    expect(codeOf(() => server.receive({ ...shares.bob, stage: 'unmask' }))).toBe('FL_SECAGG_WRONG_STAGE')
    for (const r of Object.values(shares)) server.receive(r)
    server.advance()
    step()
    const reveals = step()
    expect(server.stage).toBe('done')
    expect(codeOf(() => server.receive(reveals.carol))).toBe('FL_SECAGG_WRONG_STAGE')
    expect(codeOf(() => server.advance())).toBe('FL_SECAGG_WRONG_STAGE')
  })

  it('refuses senders outside the round, and clients that dropped at an earlier stage (FL_SECAGG_NOT_PARTICIPANT)', () => {
    const { server, step, replies } = round()
    const setup = replies()
    expect(codeOf(() => server.receive({ ...setup.alice, clientId: 'mallory' }))).toBe('FL_SECAGG_NOT_PARTICIPANT')
    expect(codeOf(() => server.receive({ ...setup.alice, clientId: 42 }))).toBe('FL_SECAGG_NOT_PARTICIPANT')
    for (const id of ['alice', 'bob', 'carol', 'dave']) server.receive(setup[id])
    server.advance()
    // erin missed setup; her late share-keys answer is not taken.
    const late = replies()
    expect(Object.keys(late)).not.toContain('erin')
    expect(codeOf(() => server.receive({ ...late.alice, clientId: 'erin' }))).toBe('FL_SECAGG_NOT_PARTICIPANT')
    deliver(server, late)
    server.advance()
    step()
    step()
    expect(server.result().dropped).toEqual(['erin'])
  })

  it('refuses a second reply from one client in a stage (FL_SECAGG_DUPLICATE); the first stands and the mean is right', () => {
    const { server, step, replies, deliver: give } = round()
    step()
    step()
    const vectors = replies()
    give(vectors)
    expect(codeOf(() => server.receive(vectors.dave))).toBe('FL_SECAGG_DUPLICATE')
    server.advance()
    step()
    const mean = Array.from(server.result().mean[0] as Float32Array)
    expectedMean([0, 1, 2, 3, 4]).forEach((m, k) => expect(mean[k]).toBeCloseTo(m, 5))
  })

  it('refuses a masked vector of the wrong length or encoding (FL_SECAGG_MALFORMED naming the field)', () => {
    const { server, step, replies } = round()
    step()
    step()
    const vectors = replies()
    const alice = vectors.alice as SecAggReply & { vector: string }
    const short = Buffer.from(alice.vector, 'base64url').subarray(4).toString('base64url')
    let error: unknown
    try {
      server.receive({ ...alice, vector: short })
    } catch (err) {
      error = err
    }
    expect((error as W3aiError).code).toBe('FL_SECAGG_MALFORMED')
    expect((error as W3aiError).details).toMatchObject({ field: 'vector', expected: 20 })
    expect(codeOf(() => server.receive({ ...alice, vector: `${alice.vector.slice(0, -2)}!!` }))).toBe('FL_SECAGG_MALFORMED')
    expect(codeOf(() => server.receive({ ...alice, vector: [1, 2, 3, 4, 5] }))).toBe('FL_SECAGG_MALFORMED')
    expect(codeOf(() => server.receive({ roundId: 'r1', stage: 'collect-masked-vectors', clientId: 'alice' }))).toBe('FL_SECAGG_MALFORMED')
    expect(codeOf(() => server.receive(null))).toBe('FL_SECAGG_MALFORMED')
    // None of it counted: alice can still send her real vector, and the round completes.
    for (const r of Object.values(vectors)) server.receive(r)
    server.advance()
    step()
    expect(server.result().clients).toEqual([...ids].sort())
  })

  it('refuses malformed or reused keys, shares to the wrong peers, and reveals nobody asked for', () => {
    const { server, replies, deliver: give } = round()
    const setup = replies()
    const alice = setup.alice as SecAggReply & { maskKey: string; channelKey: string }
    expect(codeOf(() => server.receive({ ...alice, maskKey: 'AAAA' }))).toBe('FL_SECAGG_MALFORMED')
    expect(codeOf(() => server.receive({ ...alice, maskKey: Buffer.alloc(32).toString('base64url') }))).toBe('FL_SECAGG_MALFORMED')
    expect(codeOf(() => server.receive({ ...alice, maskKey: alice.channelKey }))).toBe('FL_SECAGG_MALFORMED')
    server.receive(alice)
    expect(codeOf(() => server.receive({ ...setup.bob, channelKey: alice.channelKey }))).toBe('FL_SECAGG_MALFORMED')
    give(Object.fromEntries(Object.entries(setup).filter(([id]) => id !== 'alice')))
    server.advance()
    const shares = replies()
    const bob = shares.bob as SecAggReply & { shares: Record<string, string> }
    const [first, ...rest] = Object.keys(bob.shares)
    const misrouted = { ...Object.fromEntries(rest.map((id) => [id, bob.shares[id]])), mallory: bob.shares[first as string] }
    expect(codeOf(() => server.receive({ ...bob, shares: misrouted }))).toBe('FL_SECAGG_MALFORMED')
    expect(codeOf(() => server.receive({ ...bob, shares: { ...bob.shares, [first as string]: 'AAAA' } }))).toBe('FL_SECAGG_MALFORMED')
    give(shares)
    server.advance()
    give(replies())
    server.advance()
    const reveals = replies()
    const carol = reveals.carol as SecAggReply & { seedShares: Record<string, string>; keyShares: Record<string, string> }
    const someShare = Object.values(carol.seedShares)[0] as string
    expect(codeOf(() => server.receive({ ...carol, keyShares: { alice: someShare } }))).toBe('FL_SECAGG_MALFORMED')
    give(reveals)
    server.advance()
    expect(server.result().clients).toEqual([...ids].sort())
  })

  it('fails the round with FL_SECAGG_BAD_SHARE when a revealed share is wrong', () => {
    const { server, step, replies } = round()
    step()
    step()
    step()
    const reveals = replies() as Record<string, SecAggReply & { seedShares: Record<string, string> }>
    const bytes = Buffer.from(reveals.bob!.seedShares.alice as string, 'base64url')
    bytes[0] = (bytes[0] as number) ^ 1
    reveals.bob!.seedShares.alice = bytes.toString('base64url')
    for (const r of Object.values(reveals)) server.receive(r)
    expect(codeOf(() => server.advance())).toBe('FL_SECAGG_BAD_SHARE')
    expect(server.stage).toBe('failed')
    expect(server.error?.code).toBe('FL_SECAGG_BAD_SHARE')
    expect(server.requests()).toEqual({})
  })
})

describe('the SecAgg+ client guards its secrets', () => {
  it('refuses to reveal both secrets of one peer, or its own mask key (FL_SECAGG_REVEAL_REFUSED)', () => {
    for (const tweak of [
      (r: SecAggUnmaskRequest): SecAggUnmaskRequest => ({ ...r, dropped: [...r.dropped, r.active.find((id) => id !== 'alice') as string] }),
      (r: SecAggUnmaskRequest): SecAggUnmaskRequest => ({ ...r, active: r.active.filter((id) => id !== 'alice'), dropped: ['alice'] }),
    ]) {
      const { server, clients, step } = round()
      step()
      step()
      step()
      const request = server.requests().alice as SecAggUnmaskRequest
      expect(codeOf(() => clients.get('alice')?.unmask(tweak(request)))).toBe('FL_SECAGG_REVEAL_REFUSED')
    }
  })

  it('refuses requests out of order, or for another round', () => {
    const { server, clients, step } = round()
    const alice = clients.get('alice') as SecAggClient
    const setupRequest = server.requests().alice as SecAggRequest
    expect(codeOf(() => alice.unmask({ roundId: 'r1', stage: 'unmask', active: [], dropped: [] }))).toBe('FL_SECAGG_WRONG_STAGE')
    step()
    expect(alice.stage).toBe('share-keys')
    expect(codeOf(() => alice.setup(setupRequest as never))).toBe('FL_SECAGG_WRONG_STAGE')
    const shareKeys = server.requests().alice as SecAggShareKeysRequest
    expect(codeOf(() => alice.shareKeys({ ...shareKeys, roundId: 'r0' }))).toBe('FL_SECAGG_WRONG_ROUND')
    expect(codeOf(() => new SecAggClient('zed').setup(setupRequest as never))).toBe('FL_SECAGG_NOT_PARTICIPANT')
  })

  it('refuses neighbour keys that do not match the published graph seed', () => {
    const { server, clients, step } = round({ neighbours: 2, threshold: 2 })
    step()
    const request = server.requests().alice as SecAggShareKeysRequest
    const stranger = ids.find((id) => id !== 'alice' && !(id in request.keys)) as string
    const fromOther = (server.requests()[stranger] as SecAggShareKeysRequest).keys
    const keys = { ...request.keys, [stranger]: Object.values(fromOther)[0] as never }
    expect(codeOf(() => clients.get('alice')?.shareKeys({ ...request, keys }))).toBe('FL_SECAGG_MALFORMED')
  })

  it('sends no vector when fewer neighbours than the threshold are left (FL_SECAGG_BELOW_THRESHOLD)', () => {
    const { server, clients, step } = round()
    step()
    step()
    const request = server.requests().alice as SecAggRequest & { shares: Record<string, string> }
    const few = Object.fromEntries(Object.entries(request.shares).slice(0, 1))
    expect(codeOf(() => clients.get('alice')?.collect({ ...request, stage: 'collect-masked-vectors', shares: few }, update(0)))).toBe('FL_SECAGG_BELOW_THRESHOLD')
  })

  it('refuses tampered or misrouted shares (FL_SECAGG_BAD_SHARE)', () => {
    const { server, clients, step } = round()
    step()
    step()
    const request = server.requests().alice as SecAggRequest & { shares: Record<string, string> }
    const [from, sealed] = Object.entries(request.shares)[0] as [string, string]
    const bytes = Buffer.from(sealed, 'base64url')
    bytes[20] = (bytes[20] as number) ^ 1
    const tampered = { ...request.shares, [from]: bytes.toString('base64url') }
    expect(codeOf(() => clients.get('alice')?.collect({ ...request, stage: 'collect-masked-vectors', shares: tampered }, update(0)))).toBe('FL_SECAGG_BAD_SHARE')
    // Bob's shares for carol, handed to alice as if from bob, do not open either.
    const forCarol = (server.requests().carol as SecAggRequest & { shares: Record<string, string> }).shares.bob as string
    const swapped = { ...request.shares, bob: forCarol }
    expect(codeOf(() => clients.get('alice')?.collect({ ...request, stage: 'collect-masked-vectors', shares: swapped }, update(0)))).toBe('FL_SECAGG_BAD_SHARE')
  })

  it('refuses a configuration whose threshold is no majority of a neighbourhood (FL_BAD_CONFIG)', () => {
    const { server } = round()
    const request = server.requests().alice as SecAggRequest & { config: { threshold: number } }
    expect(codeOf(() => new SecAggClient('alice').setup({ ...request, stage: 'setup', config: { ...request.config, threshold: 2 } } as never))).toBe('FL_BAD_CONFIG')
  })
})

function deliver(server: SecAggServer, all: Record<string, SecAggReply>): void {
  for (const r of Object.values(all)) server.receive(r)
}
