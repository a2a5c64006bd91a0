/**
 * Small WASI programs the dashboard can run on a stored file without the user bringing a module:
 * the compute package's test fixtures (packages/compute/test/wasm-fixtures.ts, assembled from
 * WAT by wabt; test/jobs-form.test.ts checks these bytes still match that source). Each reads
 * the job's "input" object on stdin and writes its answer to stdout.
 */
import { fromBase64Url, type Bytes } from '../storage/bytes.js'

export interface BuiltinProgram {
  id: 'count' | 'upper'
  label: string
  /** The name it is stored under in W3S (found again by name and size instead of uploading twice). */
  fileName: string
  description: string
  bytes: () => Bytes
}

const COUNT = 'AGFzbQEAAAABFQRgBH9_f38Bf2ACf38AYAF_AGAAAAJEAhZ3YXNpX3NuYXBzaG90X3ByZXZpZXcxB2ZkX3JlYWQAABZ3YXNpX3NuYXBzaG90X3ByZXZpZXcxCGZkX3dyaXRlAAADBAMBAgMFAwEAAQcTAgZtZW1vcnkCAAZfc3RhcnQABAr8AQMbAEEAIAA2AgBBBCABNgIAQQFBAEEBQQgQARoLNQEBf0GwCSEBA0AgAUEBayEBIAFBMCAAQQpwajoAACAAQQpuIQAgAA0ACyABQbAJIAFrEAILpwEBBn8CQANAQRBBgCA2AgBBFEGAIDYCAEEAQRBBAUEYEAANAUEYKAIAIQAgAEUNASADIABqIQNBACEBAkADQCABIABPDQFBgCAgAWotAAAhAiACQSBGIAJBCU8gAkENTXFyBEBBACEFBSAFRQRAIARBAWohBEEBIQULCyABQQFqIQEMAAsLDAALC0GACEEJEAIgAxADQZAIQQkQAiAEEANBoAhBAhACCwsnAwBBgAgLCXsiYnl0ZXMiOgBBkAgLCSwid29yZHMiOgBBoAgLAn0K'
const UPPER = 'AGFzbQEAAAABDAJgBH9_f38Bf2AAAAJEAhZ3YXNpX3NuYXBzaG90X3ByZXZpZXcxB2ZkX3JlYWQAABZ3YXNpX3NuYXBzaG90X3ByZXZpZXcxCGZkX3dyaXRlAAADAgEBBQMBAAEHEwIGbWVtb3J5AgAGX3N0YXJ0AAIKpgEBowEBA38CQANAQQBBwAA2AgBBBEGACDYCAEEAQQBBAUEQEAANAUEQKAIAIQAgAEUNAUEAIQECQANAIAEgAE8NAUHAACABai0AACECIAJB4QBPIAJB-gBNcQRAQcAAIAFqIAJBIGs6AAALIAFBAWohAQwACwtBBCAANgIAQQFBAEEBQRAQARoMAAsLQQBBgBA2AgBBBEEFNgIAQQJBAEEBQRAQARoLCwwBAEGAEAsFZG9uZQo'

export const BUILTIN_PROGRAMS: readonly BuiltinProgram[] = [
  { id: 'count', label: 'Count bytes and words', fileName: 'w3ai-count-words.wasm', description: 'prints {"bytes":N,"words":M} for your file', bytes: () => fromBase64Url(COUNT) },
  { id: 'upper', label: 'Upper-case a text file', fileName: 'w3ai-uppercase.wasm', description: 'prints your file with a–z upper-cased', bytes: () => fromBase64Url(UPPER) },
]
