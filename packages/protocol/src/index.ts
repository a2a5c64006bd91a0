/**
 * @w3ai/protocol: the contracts between hub, nodes and clients, and nothing else.
 *
 * ```ts
 * import { NodeRegistrationSchema, W3aiError, type NodeInfo } from '@w3ai/protocol'
 * ```
 */
export * from './constants.js'
export * from './errors.js'
export * from './schemas.js'
export * from './events.js'
export * from './storage.js'
export * from './compute.js'
export * from './serving.js'
export * from './tensor-frame.js'
export * from './paging.js'
export * from './federated.js'
export * from './pipeline.js'
export * from './governance.js'
export * from './ledger.js'
export * from './billing.js'
export * from './staking.js'
export * from './market.js'
