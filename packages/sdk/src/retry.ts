/**
 * Retrying through brief outages: exponential backoff with full jitter (a random delay between 0
 * and min(maxMs, initialMs·2^attempt)), so many clients that lost the same hub do not come back in
 * lockstep. Pure (no Node imports); the backoff itself is the shared one of @w3ai/util.
 *
 * ```ts
 * const answer = await retry(() => fetchSomething(), { retryOn: isTransient, attempts: 5 })
 * ```
 */
import { W3aiError } from '@w3ai/protocol'
import { Backoff, backoffDelay, type BackoffOptions as Schedule } from '@w3ai/util'

/** How the SDK waits between tries; each field has a default (BACKOFF_DEFAULTS). */
export interface BackoffOptions {
  /** Ceiling of the first delay in ms (default 250). */
  initialMs?: number
  /** Largest delay in ms (default 5000). */
  maxMs?: number
  /** Randomness in [0, 1); injectable for tests (default Math.random). */
  random?: () => number
}

export const BACKOFF_DEFAULTS = { initialMs: 250, maxMs: 5000, jitter: 'full' } as const satisfies Schedule

/** The full schedule for `options`: the defaults where a field is not given, always full jitter. */
export function backoffSchedule(options: BackoffOptions = {}): Schedule {
  return {
    initialMs: options.initialMs ?? BACKOFF_DEFAULTS.initialMs,
    maxMs: options.maxMs ?? BACKOFF_DEFAULTS.maxMs,
    jitter: BACKOFF_DEFAULTS.jitter,
    ...(options.random === undefined ? {} : { random: options.random }),
  }
}

export interface RetryOptions extends BackoffOptions {
  /** Attempts in all, the first included (default 8: about 9 s of waiting on average, 18 s at most). */
  attempts?: number
  /** Waits between attempts; injectable for tests (default: a timer that the signal cancels). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Stops retrying (and waiting) when aborted; the last error is thrown. */
  signal?: AbortSignal
  /** Told before each wait: what failed, which retry comes next (1 for the first) and the delay. */
  onRetry?: (error: unknown, retry: number, delayMs: number) => void
}

export const DEFAULT_ATTEMPTS = 8

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

/** Waits `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve()
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

/**
 * Runs `fn` until it succeeds, `retryOn` says an error is final, the attempts are spent or the
 * signal aborts; then throws the last error. `fn` gets the attempt number (0 first), so a signed
 * request can be signed afresh (new nonce and timestamp) on every attempt.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions & { retryOn: (error: unknown) => boolean }): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? DEFAULT_ATTEMPTS)
  const wait = options.sleep ?? sleep
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      if (attempt + 1 >= attempts || isAborted(options.signal) || !options.retryOn(err)) throw err
      const delay = backoffDelay(attempt, backoffSchedule(options))
      options.onRetry?.(err, attempt + 1, delay)
      await wait(delay, options.signal)
      if (isAborted(options.signal)) throw err
    }
  }
}

/** Socket errors that mean the request never reached the server, so any request may be sent again. */
const NOT_DELIVERED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])
/** Socket errors where the request may or may not have been received: only idempotent ones go again. */
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

/** The system error code of `err` or of the errors it wraps (fetch puts the socket's in `cause`). */
export function socketErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && (NOT_DELIVERED.has(code) || CONNECTION_LOST.has(code))) return code
    if (e instanceof AggregateError) {
      const inner = e.errors.map(socketErrorCode).find((c) => c !== undefined)
      if (inner !== undefined) return inner
    }
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

/** True when the request certainly never left this machine (connection refused, no route, no such host). */
export function notDelivered(err: unknown): boolean {
  const code = socketErrorCode(err)
  return code !== undefined && NOT_DELIVERED.has(code)
}

/** True for failures a later attempt may not meet: lost or refused connections and timeouts, not answers. */
export function isTransient(err: unknown): boolean {
  if (err instanceof W3aiError) return err.code === 'HUB_UNREACHABLE'
  if (err instanceof Error && err.name === 'AbortError') return false
  if (err instanceof Error && err.name === 'TimeoutError') return true
  return socketErrorCode(err) !== undefined
}

type PutPiece<P, R> = (placement: P, bytes: Uint8Array, signal?: AbortSignal) => Promise<R>

/**
 * Wraps a piece upload so a failed PUT retries that piece only (same order, same node) on a lost
 * connection; a node's answer (order refused, node full) is final. Stops when the segment's
 * upload aborts the signal (enough pieces stored elsewhere).
 */
export function retryingPut<P, R>(put: PutPiece<P, R>, options: RetryOptions = {}): PutPiece<P, R> {
  return (placement, bytes, signal) =>
    retry(() => put(placement, bytes, signal), { attempts: 4, ...options, ...(signal === undefined ? {} : { signal }), retryOn: (err) => !(err instanceof W3aiError) && isTransient(err) })
}

export interface FollowOptions extends BackoffOptions {
  /** Clock in ms (default Date.now). */
  now?: () => number
  sleep?: (ms: number) => Promise<void>
  /** Told before each wait while the hub is unreachable. */
  onUnreachable?: (error: W3aiError, delayMs: number) => void
}

/**
 * Calls `fn` again after HUB_UNREACHABLE, with backoff, until `deadline` (ms since the epoch):
 * for waits that should keep following a job or deployment through a hub restart. Other errors,
 * and HUB_UNREACHABLE at the deadline, are thrown.
 */
export async function whileUnreachable<T>(fn: () => Promise<T>, deadline: number, options: FollowOptions = {}): Promise<T> {
  const now = options.now ?? Date.now
  const wait = options.sleep ?? sleep
  const backoff = new Backoff(backoffSchedule(options))
  for (;;) {
    try {
      return await fn()
    } catch (err) {
      const left = deadline - now()
      if (!(err instanceof W3aiError && err.code === 'HUB_UNREACHABLE') || left <= 0) throw err
      const delay = Math.min(backoff.next(), left)
      options.onUnreachable?.(err, delay)
      await wait(delay)
    }
  }
}
