/** Defaults shared by hub, node, SDK and CLI. */
export const W3AI_VERSION = '0.1.0'
export const DEFAULT_HUB_PORT = 7420
export const API_PREFIX = '/v1'
export const SIGNATURE_SCHEME = 'W3AI-ED25519-V1'
export const MAX_CLOCK_SKEW_MS = 60_000
export const HEADER_KEY = 'x-w3ai-key'
export const HEADER_TIMESTAMP = 'x-w3ai-timestamp'
export const HEADER_NONCE = 'x-w3ai-nonce'
export const HEADER_SIGNATURE = 'x-w3ai-signature'
export const HEADER_REQUEST_ID = 'x-request-id'
/** Largest JSON body the hub accepts, in bytes. */
export const MAX_BODY_BYTES = 256 * 1024
/** Largest inference request body (JSON tensors) a hub or serving node accepts, in bytes. */
export const MAX_INFER_BODY_BYTES = 64 * 1024 * 1024
export const EXECUTORS = ['onnx', 'train', 'wasm', 'he'] as const
export type Executor = (typeof EXECUTORS)[number]
export const NODE_STATUSES = ['online', 'suspect', 'offline'] as const
export type NodeStatus = (typeof NODE_STATUSES)[number]
