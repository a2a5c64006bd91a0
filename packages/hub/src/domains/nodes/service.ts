/** Node registration: one node per ed25519 key; every hub of the network hears of it on the bus. */
import { idFromPublicKey } from '@w3ai/crypto'
import { W3aiError, type HubEvent, type NodeInfo, type NodeRegistration } from '@w3ai/protocol'
import type { NodeStore } from './store.js'

/** What other domains need to know about nodes. */
export interface NodeLookup {
  /** Throws NODE_NOT_REGISTERED unless the node is registered. */
  requireNode(id: string): Promise<void>
}

export interface NodeServiceComponents {
  store: NodeStore
  hubId: string
  /** The public order key of this hub's network: a node that belongs to another network is refused. */
  networkKey: string
  publish: (event: HubEvent) => void
  onRegistered?: () => void
  /** Sees every registration before it is stored (the federated domain keeps the node's datasets); may refuse it. */
  onRegistration?: (nodeId: string, registration: NodeRegistration) => Promise<void>
}

export class NodeService implements NodeLookup {
  constructor(private readonly c: NodeServiceComponents) {}

  /** Registers or updates the node whose key signed the request. */
  async register(publicKey: string, registration: NodeRegistration): Promise<{ node: NodeInfo; created: boolean }> {
    if (registration.network !== undefined && registration.network !== this.c.networkKey) {
      throw new W3aiError('NODE_WRONG_NETWORK', undefined, { nodeNetwork: registration.network, hubNetwork: this.c.networkKey })
    }
    const id = idFromPublicKey('node', publicKey)
    await this.c.onRegistration?.(id, registration)
    const out = await this.c.store.upsert(id, publicKey, registration, this.c.hubId)
    this.c.onRegistered?.()
    this.c.publish({ type: 'node.registered', node: out.node })
    return out
  }

  async get(id: string): Promise<NodeInfo> {
    const node = await this.c.store.get(id)
    if (node === undefined) throw new W3aiError('NODE_NOT_FOUND')
    return node
  }

  async requireNode(id: string): Promise<void> {
    if (!(await this.c.store.exists(id))) throw new W3aiError('NODE_NOT_REGISTERED')
  }
}
