/**
 * The client side of SecAgg+ on a node: a training round under secure aggregation leaves the
 * trained update here instead of sending it; the hub's stage messages (setup, share-keys,
 * collect-masked-vectors, unmask) are then answered by one SecAggClient per (training, round,
 * client), which only ever sends the update masked. An update is forgotten once unmasked, or when
 * the same training moves on to a later round.
 *
 * With the node's identity, rounds must authenticate: each client signs its round keys with the
 * node's ed25519 key and checks its neighbours' signatures, so the hub cannot swap in keys of its
 * own. The node plays only clients that belong to it (`<nodeId>/<dataset>`) and refuses rounds
 * that do not sign, which a hub could otherwise use to turn authentication off.
 */
import { clientIdBelongsTo, SecAggClient, type SecAggCollectRequest, type SecAggSetupRequest, type SecAggShareKeysRequest, type SecAggUnmaskRequest, type SecAggUpdate } from '@w3ai/federated'
import type { Identity } from '@w3ai/crypto'
import { W3aiError, type FlWork } from '@w3ai/protocol'

/** The part of the node's identity that signs its round keys. */
export type SecureRoundsIdentity = Pick<Identity, 'id' | 'publicKey' | 'signingKey'>

interface Held {
  trainingId: string
  round: number
  client: SecAggClient
  update: SecAggUpdate
}

const keyOf = (w: Pick<FlWork, 'trainingId' | 'round' | 'clientId'>): string => `${w.trainingId}/${w.round}/${w.clientId}`

export class SecureRounds {
  private readonly held = new Map<string, Held>()

  /** Without an identity (tests) the node plays whatever client the hub names, in rounds that do not sign. */
  constructor(private readonly identity?: SecureRoundsIdentity) {}

  /** Keeps a trained update for this round's secure aggregation. */
  keep(work: FlWork, update: SecAggUpdate): void {
    for (const [key, h] of this.held) if (h.trainingId === work.trainingId && h.round < work.round) this.held.delete(key)
    const client = new SecAggClient(work.clientId, this.identity === undefined ? {} : { identity: this.identity })
    this.held.set(keyOf(work), { trainingId: work.trainingId, round: work.round, client, update })
  }

  /** Updates held now (for tests and health). */
  get size(): number {
    return this.held.size
  }

  /** Answers one stage message of the round this work belongs to. */
  answer(work: FlWork): unknown {
    const held = this.held.get(keyOf(work))
    if (held === undefined) throw new W3aiError('FL_SECAGG_NOT_PARTICIPANT', `This node holds no update of ${work.clientId} for round ${work.round} (it did not train, or restarted since).`)
    const message = work.message as { stage?: unknown } | undefined
    switch (message?.stage) {
      case 'setup':
        this.checkSetup(work.clientId, message as SecAggSetupRequest)
        return held.client.setup(message as SecAggSetupRequest)
      case 'share-keys':
        return held.client.shareKeys(message as SecAggShareKeysRequest)
      case 'collect-masked-vectors':
        return held.client.collect(message as SecAggCollectRequest, held.update)
      case 'unmask': {
        const reply = held.client.unmask(message as SecAggUnmaskRequest)
        this.held.delete(keyOf(work))
        return reply
      }
      default:
        throw new W3aiError('FL_SECAGG_WRONG_STAGE', `Unknown secure-aggregation stage ${JSON.stringify(message?.stage)}.`)
    }
  }

  private checkSetup(clientId: string, request: SecAggSetupRequest): void {
    if (this.identity === undefined) return
    if (!clientIdBelongsTo(clientId, this.identity.id)) {
      throw new W3aiError('FL_SECAGG_NOT_PARTICIPANT', `Client ${clientId} is not this node's (${this.identity.id}): a node plays only its own clients in secure aggregation.`, { clientId, nodeId: this.identity.id })
    }
    if (request.config?.authenticate !== true) {
      throw new W3aiError('FL_BAD_CONFIG', 'This secure-aggregation round does not sign its keys; this node takes part only in rounds that do.', { field: 'authenticate' })
    }
  }
}
