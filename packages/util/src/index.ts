/**
 * @w3ai/util: small, pure helpers shared by every package, the browser dashboard included. No
 * I/O, no `node:` imports, no dependencies (see docs/decisions/0007-util-package.md).
 */
export { normal, permutation, seededRandom, type Random } from './random.js'
export { Backoff, backoffDelay, backoffProblem, type BackoffOptions, type Jitter } from './backoff.js'
export { Lru, type LruOptions } from './lru.js'
