import { describe, expect, it } from 'vitest'
import { generateIdentity, type Identity } from '@w3ai/crypto'
import { clientIdBelongsTo, runSecAggRound, SecAggClient, SecAggServer, type SecAggSetupReply, type SecAggShareKeysRequest } from '../src/index.js'
import { generateKeyPair, signKeys } from '../src/secagg/keys.js'
import { codeOf } from './helpers.js'

const nodes: Identity[] = Array.from({ length: 5 }, () => generateIdentity('node'))
const ids = nodes.map((n) => n.id)
const wire = <T>(message: T): T => JSON.parse(JSON.stringify(message)) as T

/** A server of an authenticating round and its clients after setup, with the setup replies. */
function afterSetup(): { server: SecAggServer; clients: SecAggClient[]; setup: SecAggSetupReply[] } {
  const server = new SecAggServer({ roundId: 'r', clients: ids, tensorSizes: [3], authenticate: true })
  const clients = nodes.map((identity) => new SecAggClient(identity.id, { identity }))
  const setup = clients.map((c) => wire(c.setup(wire(server.requests()[c.clientId] as never))))
  return { server, clients, setup }
}

describe('SecAgg+ with signed round keys', () => {
  it('completes between node identities, every relayed key signed', () => {
    const seen: unknown[] = []
    const { result } = runSecAggRound({
      roundId: 'r',
      authenticate: true,
      updates: nodes.map((identity, i) => ({ clientId: identity.id, identity, parameters: [Float32Array.of(i, 1, -1)], numExamples: 10 })),
      onServerMessage: (m) => seen.push(m),
    })
    expect(result.clients).toEqual([...ids].sort())
    expect(result.mean[0]?.[0]).toBeCloseTo(2, 5)
    for (const m of seen.filter((m) => (m as { stage: string }).stage === 'setup')) expect(m).toMatchObject({ signingKey: expect.any(String), signature: expect.any(String) })
  })

  it('refuses unsigned keys, keys signed by another identity, and tampered keys (FL_SECAGG_BAD_SIGNATURE)', () => {
    const { server, setup } = afterSetup()
    const [a, b] = setup as [SecAggSetupReply, SecAggSetupReply]
    expect(codeOf(() => server.receive({ ...a, signingKey: undefined, signature: undefined }))).toBe('FL_SECAGG_BAD_SIGNATURE')
    expect(codeOf(() => server.receive({ ...a, signingKey: b.signingKey, signature: b.signature }))).toBe('FL_SECAGG_BAD_SIGNATURE')
    expect(codeOf(() => server.receive({ ...a, maskKey: b.maskKey }))).toBe('FL_SECAGG_BAD_SIGNATURE')
    server.receive(a)
    expect(server.pending()).not.toContain(a.clientId)
  })

  it("lets a client catch a server that swaps a neighbour's keys for its own", () => {
    const { server, clients, setup } = afterSetup()
    for (const r of setup) server.receive(r)
    server.advance()
    const client = clients[0] as SecAggClient
    const request = wire(server.requests()[client.clientId]) as SecAggShareKeysRequest
    const victim = Object.keys(request.keys)[0] as string
    const own = new SecAggClient(victim).setup(wire(new SecAggServer({ roundId: 'r', clients: ids, tensorSizes: [3] }).requests()[victim] as never))
    const swapped = { ...request, keys: { ...request.keys, [victim]: { ...request.keys[victim], channelKey: own.channelKey, maskKey: own.maskKey } } }
    expect(codeOf(() => client.shareKeys(swapped as SecAggShareKeysRequest))).toBe('FL_SECAGG_BAD_SIGNATURE')
    expect(client.shareKeys(request).shares).toBeDefined()
  })

  it('refuses to join an authenticating round without its identity (FL_BAD_CONFIG)', () => {
    const server = new SecAggServer({ roundId: 'r', clients: ids, tensorSizes: [3], authenticate: true })
    const id = ids[0] as string
    expect(codeOf(() => new SecAggClient(id).setup(wire(server.requests()[id] as never)))).toBe('FL_BAD_CONFIG')
    expect(codeOf(() => new SecAggClient(id, { identity: nodes[1] as Identity }).setup(wire(server.requests()[id] as never)))).toBe('FL_BAD_CONFIG')
  })

  it('lets one identity play several clients, named `<its id>/<suffix>`', () => {
    const [x, y, z] = nodes as [Identity, Identity, Identity]
    const parties = [
      { clientId: `${x.id}/a`, identity: x },
      { clientId: `${x.id}/b`, identity: x },
      { clientId: `${y.id}/a`, identity: y },
      { clientId: z.id, identity: z },
    ]
    const { result, refusals } = runSecAggRound({
      roundId: 'r',
      authenticate: true,
      updates: parties.map((p, i) => ({ ...p, parameters: [Float32Array.of(i, 1, -1)], numExamples: 10 })),
    })
    expect(refusals).toEqual({})
    expect(result.clients).toEqual(parties.map((p) => p.clientId).sort())
    expect(result.mean[0]?.[0]).toBeCloseTo(1.5, 5)
  })

  it('refuses a key signed by node X for a client of node Y (`<Y>/1`), at the server and at a neighbour', () => {
    const [x, y, z] = nodes as [Identity, Identity, Identity]
    const roundIds = [`${x.id}/1`, `${y.id}/1`, z.id]
    const server = new SecAggServer({ roundId: 'r', clients: roundIds, tensorSizes: [3], authenticate: true })
    const setupOf = (id: string): never => wire(server.requests()[id] as never)
    const victim = `${y.id}/1`
    // X cannot even start as Y's client: its identity does not own the id.
    expect(codeOf(() => new SecAggClient(victim, { identity: x }).setup(setupOf(victim)))).toBe('FL_BAD_CONFIG')
    // Keys X signs for Y's client id are refused wherever they are checked.
    const forged = { roundId: 'r', stage: 'setup' as const, clientId: victim, ...signKeys(x, 'r', victim, { channelKey: generateKeyPair().publicKey, maskKey: generateKeyPair().publicKey }) }
    expect(codeOf(() => server.receive(forged))).toBe('FL_SECAGG_BAD_SIGNATURE')
    const clients = [new SecAggClient(`${x.id}/1`, { identity: x }), new SecAggClient(victim, { identity: y }), new SecAggClient(z.id, { identity: z })]
    for (const c of clients) server.receive(wire(c.setup(setupOf(c.clientId))))
    server.advance()
    const neighbour = clients[2] as SecAggClient
    const request = wire(server.requests()[neighbour.clientId]) as SecAggShareKeysRequest
    const swapped = { ...request, keys: { ...request.keys, [victim]: { channelKey: forged.channelKey, maskKey: forged.maskKey, signingKey: forged.signingKey, signature: forged.signature } } }
    expect(codeOf(() => neighbour.shareKeys(swapped))).toBe('FL_SECAGG_BAD_SIGNATURE')
    expect(neighbour.shareKeys(request).shares).toBeDefined()
  })

  it('gives an identity only its own id and the ids under it', () => {
    const id = ids[0] as string
    expect(clientIdBelongsTo(id, id)).toBe(true)
    expect(clientIdBelongsTo(`${id}/d-0`, id)).toBe(true)
    expect(clientIdBelongsTo(`${id}/`, id)).toBe(false)
    expect(clientIdBelongsTo(`${id}0/d-0`, id)).toBe(false)
    expect(clientIdBelongsTo(`${ids[1]}/d-0`, id)).toBe(false)
  })
})
