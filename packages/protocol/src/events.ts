/** Messages on the hub's event stream (`GET /v1/events`, WebSocket) and the node heartbeat socket. */
import { Type, type Static } from '@sinclair/typebox'
import type { NodeStatus } from './constants.js'
import type { NodeInfo, NodeLoad } from './schemas.js'

export type HubEvent =
  | { type: 'node.registered'; node: NodeInfo }
  | { type: 'node.status'; id: string; status: NodeStatus; at: string }
  | { type: 'node.load'; loads: Array<{ id: string; load: NodeLoad }> }
  | { type: 'node.audit'; id: string; audit: { score: number; passed: number; failed: number } }
  /** A node's bonded stake changed (stake, unstake, slash); units as a decimal string. */
  | { type: 'node.stake'; id: string; stake: string }
  /** Something happened to a job (status, progress); owners fetch it with a signed GET /v1/jobs/:id. */
  | { type: 'job.updated'; jobId: string }
  | { type: 'deployment.updated'; deploymentId: string }
  /** A federated training moved on (a round ended, its status changed); owners fetch it with a signed GET /v1/fl/trainings/:id. */
  | { type: 'fl.updated'; trainingId: string; round: number; status: string }
  /** A pipeline moved on (a segment posted or collected, a segment's job changed); owners fetch it with a signed GET /v1/pipelines/:id. */
  | { type: 'pipeline.updated'; pipelineId: string }
  /** Network parameters changed (an executed proposal; proposalId null for genesis values); anyone reads them with GET /v1/parameters. */
  | { type: 'params.updated'; names: string[]; proposalId: string | null }
  /** A governance proposal was made, voted on or moved on; anyone reads it with GET /v1/governance/proposals/:id. */
  | { type: 'governance.updated'; proposalId: string; status: string }
  /** A marketplace order changed (bought, fulfilled, refunded, a call used, settled); sent to its buyer and its seller, who fetch it with a signed GET /v1/market/orders/:id. */
  | { type: 'market.order.updated'; orderId: string; listingId: string; status: string; buyer: string; seller: string }

/** First message on the event stream: the current state, so a client needs no separate fetch. */
export interface EventStreamHello {
  type: 'hello'
  hubId: string
  nodes: NodeInfo[]
}

export type EventStreamMessage = EventStreamHello | HubEvent

/** Messages the hub sends a node on its heartbeat socket. */
export type HubToNodeMessage =
  /** `hubs`: other hubs of this network (base URLs) a node may fail over to; optional. */
  | { type: 'welcome'; nodeId: string; heartbeatIntervalMs: number; orderKey: string; hubs?: string[] }
  | { type: 'error'; code: string; message: string }
  | WorkNudge

/**
 * A nudge on the heartbeat socket: the hub just made work this node may claim (`fl`: federated
 * work keyed to it; `task`: a compute task it was picked for). It carries nothing but the kind; the
 * node claims as usual, at once instead of at its next poll. Nodes that do not know it ignore it
 * and keep polling, which stays the fallback (nodes on other hubs are never nudged).
 */
export const WorkNudgeSchema = Type.Object({ type: Type.Literal('work'), kind: Type.Union([Type.Literal('fl'), Type.Literal('task')]) }, { additionalProperties: false })
export type WorkNudge = Static<typeof WorkNudgeSchema>
export type WorkKind = WorkNudge['kind']
