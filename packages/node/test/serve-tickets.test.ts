/**
 * Direct calls at the serving node: a caller with a hub-signed ticket is served without the hub;
 * every way a ticket can be wrong is refused with its own code before the body is read, and a
 * ticket's calls are counted. Binary tensor frames in and out; malformed frames refused.
 */
import { generateIdentity, signObject, signRequest, type Identity } from '@w3ai/crypto'
import { decodeTensorFrame, encodeTensorFrame, TENSOR_FRAME_TYPE, TICKET_HEADER, type ServingTicket } from '@w3ai/protocol'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from '../src/server.js'
import type { ServingAgent } from '../src/serving.js'

const network = generateIdentity('node')
const caller = generateIdentity('account')
const stranger = generateIdentity('account')
const DEPLOYMENT = 'd_000000000000000000000001'
const PATH = `/v1/serve/${DEPLOYMENT}`
let clock = Date.now()

function ticket(overrides: Partial<Omit<ServingTicket, 'signature'>> = {}, signer: Identity = network): string {
  const body = { v: 1 as const, id: `t_${'ab'.repeat(12)}${Math.random().toString(16).slice(2, 10).padEnd(8, '0')}`, deployment: DEPLOYMENT, node: 'n_1', caller: caller.publicKey, expiresAt: clock + 60_000, calls: 5, ...overrides }
  return Buffer.from(JSON.stringify({ ...body, signature: signObject(signer, body) })).toString('base64url')
}

const frame = (): Buffer => Buffer.from(encodeTensorFrame({ x: { type: 'float32', dims: [1, 2], data: new Float32Array([1, 2]) } }))

describe('node serve route: direct tickets and binary frames', () => {
  let app: FastifyInstance
  const seen: unknown[] = []

  const call = (t: string | undefined, options: { as?: Identity; body?: Buffer; accept?: string; path?: string } = {}) => {
    const body = options.body ?? frame()
    const path = options.path ?? PATH
    const headers: Record<string, string> = { 'content-type': TENSOR_FRAME_TYPE, ...signRequest(options.as ?? caller, 'POST', path, body, { now: clock }) }
    if (t !== undefined) headers[TICKET_HEADER] = t
    if (options.accept !== undefined) headers.accept = options.accept
    return app.inject({ method: 'POST', url: path, payload: body, headers })
  }
  const code = (res: { json: () => { error?: { code?: string } } }): string | undefined => res.json().error?.code

  beforeAll(async () => {
    const serving = {
      inferTensors: async (_id: string, feeds: Record<string, { data: Float32Array }>) => {
        seen.push(Array.from(feeds.x!.data))
        return { outputs: { y: { type: 'float32', dims: [1, 2], data: feeds.x!.data.map((v) => v * 10) } }, runMs: 0.5, batchedWith: 1 }
      },
      infer: async () => ({ outputs: { y: { type: 'float32', dims: [1], data: [1] } }, runMs: 1, batchedWith: 1 }),
    } as unknown as ServingAgent
    app = createServer({
      logger: undefined,
      health: () => ({ status: 'ok', nodeId: 'n_1', version: '0', uptimeSec: 0, hub: { url: '', state: 'connected', connected: true }, pieces: { count: 0, bytes: 0 } }),
      serve: { serving, nodeId: () => 'n_1', networkKey: () => network.publicKey, now: () => clock },
    })
    await app.ready()
  })

  afterAll(async () => {
    await app.close()
  })

  it('serves a caller with a valid ticket, binary in and out', async () => {
    const res = await call(ticket())
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['content-type']).toBe(TENSOR_FRAME_TYPE)
    const answer = decodeTensorFrame(res.rawPayload)
    expect(Array.from(answer.tensors.y!.data as Float32Array)).toEqual([10, 20])
    expect(answer.meta).toMatchObject({ nodeId: 'n_1', runMs: 0.5 })
  })

  it('answers JSON to a frame when Accept asks for JSON', async () => {
    const res = await call(ticket(), { accept: 'application/json' })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ nodeId: 'n_1', outputs: { y: { type: 'float32', dims: [1, 2], data: [10, 20] } } })
  })

  it('refuses every wrong ticket with its own code, before the model runs', async () => {
    const before = seen.length
    const cases: Array<[string, string | undefined, Identity | undefined, string]> = [
      ['expired', ticket({ expiresAt: clock - 1 }), undefined, 'TICKET_EXPIRED'],
      ['another deployment', ticket({ deployment: 'd_000000000000000000000002' }), undefined, 'TICKET_WRONG_DEPLOYMENT'],
      ['another node', ticket({ node: 'n_2' }), undefined, 'TICKET_WRONG_DEPLOYMENT'],
      ['signed by another key', ticket({}, generateIdentity('node')), undefined, 'TICKET_BAD_SIGNATURE'],
      ['altered after signing', Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(ticket(), 'base64url').toString()), calls: 1000 })).toString('base64url'), undefined, 'TICKET_BAD_SIGNATURE'],
      ['presented by another caller', ticket(), stranger, 'TICKET_WRONG_CALLER'],
      ['not base64url', 'not a ticket!', undefined, 'TICKET_MALFORMED'],
      ['not JSON', Buffer.from('{"v":1').toString('base64url'), undefined, 'TICKET_MALFORMED'],
      ['missing fields', Buffer.from(JSON.stringify({ v: 1, id: 't_00' })).toString('base64url'), undefined, 'TICKET_MALFORMED'],
      ['no ticket, not the network key', undefined, undefined, 'AUTH_WRONG_IDENTITY'],
    ]
    for (const [name, t, as, expected] of cases) {
      const res = await call(t, as === undefined ? {} : { as })
      expect([code(res), res.statusCode >= 400], name).toEqual([expected, true])
    }
    expect(seen.length).toBe(before)
  })

  it('counts calls and refuses the one past the allowance', async () => {
    const t = ticket({ calls: 2 })
    expect((await call(t)).statusCode).toBe(200)
    expect((await call(t)).statusCode).toBe(200)
    const third = await call(t)
    expect([third.statusCode, code(third)]).toEqual([429, 'TICKET_EXHAUSTED'])
  })

  it('refuses a ticket that expires while it is being used', async () => {
    const t = ticket({ expiresAt: clock + 1000 })
    expect((await call(t)).statusCode).toBe(200)
    clock += 2000
    expect(code(await call(t))).toBe('TICKET_EXPIRED')
  })

  it('refuses a replayed request under a ticket', async () => {
    const t = ticket()
    const body = frame()
    const headers = { 'content-type': TENSOR_FRAME_TYPE, [TICKET_HEADER]: t, ...signRequest(caller, 'POST', PATH, body, { now: clock }) }
    expect((await app.inject({ method: 'POST', url: PATH, payload: body, headers })).statusCode).toBe(200)
    const again = await app.inject({ method: 'POST', url: PATH, payload: body, headers })
    expect(code(again)).toBe('AUTH_REPLAYED_NONCE')
  })

  it('refuses malformed frames with TENSOR_FRAME_MALFORMED and keeps serving', async () => {
    const good = frame()
    for (const body of [Buffer.from('W3TF'), Buffer.concat([good, Buffer.alloc(8)]), good.subarray(0, good.length - 4), Buffer.from('{"inputs":{}}')]) {
      const res = await call(ticket(), { body })
      expect([res.statusCode, code(res)]).toEqual([400, 'TENSOR_FRAME_MALFORMED'])
    }
    expect((await call(ticket())).statusCode).toBe(200)
  })

  it('serves the hub (network key, no ticket) in binary too', async () => {
    const res = await call(undefined, { as: network })
    expect(res.statusCode, res.body).toBe(200)
    expect(Array.from(decodeTensorFrame(res.rawPayload).tensors.y!.data as Float32Array)).toEqual([10, 20])
  })
})
