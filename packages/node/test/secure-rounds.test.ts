import { generateIdentity, type Identity } from '@w3ai/crypto'
import { SECAGG_STAGES, SecAggClient, SecAggServer, type SecAggSetupReply, type SecAggShareKeysRequest } from '@w3ai/federated'
import { W3aiError, type FlWork } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { SecureRounds } from '../src/federated/secure-rounds.js'

const node = generateIdentity('node')
const peer = generateIdentity('node')
const mine = `${node.id}/d-0`
const theirs = `${peer.id}/d-1`
const update = { parameters: [Float32Array.of(1, 2)], numExamples: 2 }
const wire = <T>(message: T): T => JSON.parse(JSON.stringify(message)) as T

function work(clientId: string, message?: unknown): FlWork {
  return { id: 'flw_000000000000000000000001', trainingId: 'fl_000000000000000000000001', round: 1, kind: message === undefined ? 'train' : 'secagg', clientId, dataset: 'd-0', deadline: new Date(Date.now() + 60_000).toISOString(), model: {}, inputScale: 1, localEpochs: 1, seed: 1, config: { round: 1 }, parameters: false, ...(message === undefined ? {} : { message }) }
}

function codeOf(fn: () => unknown): string {
  try {
    fn()
    return 'returned'
  } catch (err) {
    return err instanceof W3aiError ? err.code : String(err)
  }
}

/** A node's SecureRounds holding an update for `clientId`, a round server and the peer's client. */
function round(clientId: string, authenticate = true): { rounds: SecureRounds; server: SecAggServer; other: SecAggClient } {
  const rounds = new SecureRounds(node)
  rounds.keep(work(clientId), update)
  const server = new SecAggServer({ roundId: 'r', clients: [clientId, theirs], tensorSizes: [2], authenticate })
  return { rounds, server, other: new SecAggClient(theirs, { identity: peer }) }
}

/** Both clients answer setup; returns the node's setup reply. */
function setUp(rounds: SecureRounds, server: SecAggServer, other: SecAggClient, clientId: string): SecAggSetupReply {
  const requests = server.requests()
  const reply = wire(rounds.answer(work(clientId, wire(requests[clientId])))) as SecAggSetupReply
  server.receive(reply)
  server.receive(wire(other.setup(wire(requests[theirs]) as never)))
  server.advance()
  return reply
}

describe('secure rounds on a node with its identity', () => {
  it('plays its own client in a round that signs its keys, signing with the node identity', () => {
    const { rounds, server, other } = round(mine)
    const setup = setUp(rounds, server, other, mine)
    expect(setup).toMatchObject({ clientId: mine, signingKey: node.publicKey, signature: expect.any(String) })
    const peerUpdate = { parameters: [Float32Array.of(5, 6)], numExamples: 2 }
    for (const stage of SECAGG_STAGES.slice(1)) {
      const requests = server.requests()
      server.receive(wire(rounds.answer(work(mine, wire(requests[mine])))))
      const m = wire(requests[theirs]) as never
      server.receive(wire(stage === 'share-keys' ? other.shareKeys(m) : stage === 'collect-masked-vectors' ? other.collect(m, peerUpdate) : other.unmask(m)))
      server.advance()
    }
    expect([...(server.result().mean[0] as Float32Array)].map((v) => Number(v.toFixed(4)))).toEqual([3, 4])
    expect(rounds.size).toBe(0)
  })

  it("refuses to play another node's client (FL_SECAGG_NOT_PARTICIPANT)", () => {
    const { rounds, server } = round(`${peer.id}/d-0`)
    expect(codeOf(() => rounds.answer(work(`${peer.id}/d-0`, wire(server.requests()[`${peer.id}/d-0`]))))).toBe('FL_SECAGG_NOT_PARTICIPANT')
  })

  it('refuses a round that does not sign its keys, which would let the hub swap them (FL_BAD_CONFIG)', () => {
    const { rounds, server } = round(mine, false)
    expect(codeOf(() => rounds.answer(work(mine, wire(server.requests()[mine]))))).toBe('FL_BAD_CONFIG')
  })

  it("refuses a relayed key whose signature was tampered with, then takes the neighbour's own (FL_SECAGG_BAD_SIGNATURE)", () => {
    const { rounds, server, other } = round(mine)
    setUp(rounds, server, other, mine)
    const request = wire(server.requests()[mine]) as SecAggShareKeysRequest
    const keys = request.keys[theirs] as { signature: string }
    const flipped = `${keys.signature[0] === 'A' ? 'B' : 'A'}${keys.signature.slice(1)}`
    const tampered = { ...request, keys: { [theirs]: { ...keys, signature: flipped } } }
    expect(codeOf(() => rounds.answer(work(mine, tampered)))).toBe('FL_SECAGG_BAD_SIGNATURE')
    const stranger: Identity = generateIdentity('node')
    const resigned = { ...request, keys: { [theirs]: { ...keys, signingKey: stranger.publicKey } } }
    expect(codeOf(() => rounds.answer(work(mine, resigned)))).toBe('FL_SECAGG_BAD_SIGNATURE')
    expect(rounds.answer(work(mine, request))).toMatchObject({ stage: 'share-keys', clientId: mine })
  })
})
