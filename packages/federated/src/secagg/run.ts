/**
 * One whole SecAgg+ round in one process: a server and its clients exchanging messages through
 * JSON, as they would over HTTP (with `wire: 'binary'`, the masked vectors as bytes after a JSON
 * header, as a binary transport carries them). For tests, benchmarks and simulations; the hub and
 * nodes drive `SecAggServer` and `SecAggClient` themselves.
 */
import { W3aiError } from '@w3ai/protocol'
import { SecAggClient, type SecAggClientOptions, type SecAggUpdate } from './client.js'
import { SecAggServer, type SecAggResult, type SecAggServerOptions } from './server.js'
import { SECAGG_STAGES, type SecAggReply, type SecAggRequest, type SecAggStage } from './stages.js'

export interface SecAggRoundOptions extends Omit<SecAggServerOptions, 'clients' | 'tensorSizes'> {
  /** Each client's update; with `authenticate`, also the identity the client id belongs to. */
  updates: ReadonlyArray<SecAggUpdate & { clientId: string; identity?: SecAggClientOptions['identity'] }>
  /** Clients that go silent from the given stage on (having answered every earlier one). */
  dropAt?: Readonly<Record<string, SecAggStage>>
  /** Sees every message the server receives, as it arrived on the wire, and its length on the wire (not timed). */
  onServerMessage?: (message: unknown, length: number) => void
  /** `json` (default): every message as JSON; `binary`: masked vectors as bytes after a JSON header. */
  wire?: 'json' | 'binary'
}

export interface SecAggRoundReport {
  result: SecAggResult
  /** Time the server spent (receiving, unmasking), ms. */
  serverMs: number
  /** Time each client spent (keys, shares, masking), ms. */
  clientMs: Record<string, number>
  /**
   * The round's length were every client on its own machine: per stage, the slowest client and then
   * the server, summed over the stages (message transit not included).
   */
  criticalMs: number
  /** Clients that refused a request, with the code they refused with (they count as dropped). */
  refusals: Record<string, string>
}

function wire<T>(message: T): string {
  return JSON.stringify(message)
}

/**
 * A reply as a binary transport carries it: a masked vector goes as its bytes after the rest of
 * the reply in JSON (u32 length first, the JSON padded with spaces so the words start 4-aligned);
 * every other reply as JSON.
 */
function toBinary(reply: SecAggReply): string | Buffer {
  if (reply.stage !== 'collect-masked-vectors' || typeof reply.vector === 'string') return wire(reply)
  const header = Buffer.from(wire({ ...reply, vector: undefined }))
  const start = Math.ceil((4 + header.length) / 4) * 4
  const out = Buffer.allocUnsafe(start + reply.vector.byteLength)
  out.writeUInt32LE(start - 4, 0)
  out.set(header, 4)
  out.fill(0x20, 4 + header.length, start)
  out.set(reply.vector, start)
  return out
}

function fromWire(sent: string | Buffer): unknown {
  if (typeof sent === 'string') return JSON.parse(sent)
  const start = 4 + sent.readUInt32LE(0)
  return { ...(JSON.parse(sent.toString('utf8', 4, start)) as object), vector: sent.subarray(start) }
}

/** Runs a round with every client in-process; throws the server's W3aiError if the round fails. */
export function runSecAggRound(options: SecAggRoundOptions): SecAggRoundReport {
  const { updates, dropAt = {}, onServerMessage, wire: transport = 'json', ...serverOptions } = options
  const binary = transport === 'binary'
  const first = updates[0]
  if (first === undefined) throw new W3aiError('FL_BAD_CONFIG', 'secagg+ updates: no clients')
  const clock = (): number => performance.now()
  let t0 = clock()
  const server = new SecAggServer({ ...serverOptions, clients: updates.map((u) => u.clientId), tensorSizes: first.parameters.map((t) => t.length) })
  let serverMs = clock() - t0
  const clientMs: Record<string, number> = {}
  const refusals: Record<string, string> = {}
  const clients = new Map(updates.map((u) => [u.clientId, { client: new SecAggClient(u.clientId, u.identity === undefined ? {} : { identity: u.identity }), update: u }]))
  let criticalMs = serverMs
  for (const [s, stage] of SECAGG_STAGES.entries()) {
    let slowest = 0
    const serverBefore = serverMs
    for (const [id, request] of Object.entries(server.requests())) {
      const drop = dropAt[id]
      const party = clients.get(id)
      if (party === undefined || refusals[id] !== undefined || (drop !== undefined && SECAGG_STAGES.indexOf(drop) <= s)) continue
      t0 = clock()
      let sent: string | Buffer
      try {
        const reply = answer(party.client, JSON.parse(wire(request)) as SecAggRequest, stage, party.update, binary)
        sent = binary ? toBinary(reply) : wire(reply)
      } catch (err) {
        if (!(err instanceof W3aiError)) throw err
        refusals[id] = err.code
        continue
      } finally {
        const ms = clock() - t0
        clientMs[id] = (clientMs[id] ?? 0) + ms
        slowest = Math.max(slowest, ms)
      }
      t0 = clock()
      const message = fromWire(sent)
      serverMs += clock() - t0
      onServerMessage?.(message, typeof sent === 'string' ? sent.length : sent.byteLength)
      t0 = clock()
      server.receive(message)
      serverMs += clock() - t0
    }
    t0 = clock()
    server.advance()
    serverMs += clock() - t0
    criticalMs += slowest + serverMs - serverBefore
  }
  return { result: server.result(), serverMs, clientMs, criticalMs, refusals }
}

function answer(client: SecAggClient, request: SecAggRequest, stage: SecAggStage, update: SecAggUpdate, binary: boolean): SecAggReply {
  if (request.stage !== stage) throw new W3aiError('FL_SECAGG_WRONG_STAGE')
  switch (request.stage) {
    case 'setup':
      return client.setup(request)
    case 'share-keys':
      return client.shareKeys(request)
    case 'collect-masked-vectors':
      return client.collect(request, update, binary ? { vector: 'bytes' } : {})
    case 'unmask':
      return client.unmask(request)
  }
}
