/**
 * Billing settings of a hub: whether jobs, inferences (and uploads) are paid for through the
 * ledger, the time limit a job's escrow covers per replica, and how long an escrow may stay open.
 * Off unless configured: a bare hub (and the tests that never meant to pay) runs for free;
 * devnets and the economy tests turn it on with W3AI_BILLING=on.
 */

export interface BillingSettings {
  /** Escrow at submission, settlement on completion, pay per answered inference (default off; W3AI_BILLING=on|off). */
  enabled: boolean
  /**
   * The most one task may be charged for, in seconds: a job's escrow covers this for every replica
   * it may run. Default W3AI_BILLING_TASK_SECONDS, else the nodes' task time limit
   * (W3AI_TASK_TIME_MS, rounded up to a second), else 600.
   */
  taskSeconds: number
  /** A job's escrow is released to its owner if still open after this long (hub down, job lost). Default 7 days. */
  escrowTimeoutMs: number
}

export const BILLING_ENV = {
  enabled: 'W3AI_BILLING',
  taskSeconds: 'W3AI_BILLING_TASK_SECONDS',
  /** The nodes' task time limit (their sandbox kills a task past it): the default charged limit. */
  nodeTaskTimeMs: 'W3AI_TASK_TIME_MS',
} as const

export const BILLING_DEFAULTS = {
  taskSeconds: 600,
  escrowTimeoutMs: 7 * 24 * 3600_000,
  /** How long an inference's hold lasts before it is released unanswered (covers the node's answer and a fail-over). */
  inferenceHoldMs: 10 * 60_000,
  /** Hours an upload is quoted for when it names none and the storage side names no default (HUB_DEFAULTS.storageDurationHours). */
  storageHours: 720,
} as const

const MAX_TASK_SECONDS = 7 * 24 * 3600
/** The ledger's longest pending transfer (366 days). */
const MAX_ESCROW_MS = 366 * 24 * 3600_000

/** Validates billing options and the environment once; `fail` makes the hub's configuration error naming the bad value. */
export function billingSettings(options: Partial<BillingSettings>, env: NodeJS.ProcessEnv, fail: (message: string) => Error): BillingSettings {
  let enabled = options.enabled
  if (enabled !== undefined && typeof enabled !== 'boolean') throw fail('billing.enabled must be true or false.')
  if (enabled === undefined) {
    const raw = env[BILLING_ENV.enabled]
    if (raw !== undefined && raw !== '' && raw !== 'on' && raw !== 'off') throw fail(`${BILLING_ENV.enabled}=${JSON.stringify(raw)} must be on or off.`)
    enabled = raw === 'on'
  }
  const whole = (value: unknown, label: string, min: number, max: number, unit: string): number => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw fail(`${label} is ${JSON.stringify(value)}; it must be a whole number of ${unit} from ${min} to ${max}.`)
    return value
  }
  const fromEnv = (name: string): number | undefined => {
    const raw = env[name]
    if (raw === undefined || raw === '') return undefined
    return /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN
  }
  let taskSeconds: number
  if (options.taskSeconds !== undefined) taskSeconds = whole(options.taskSeconds, 'billing.taskSeconds', 1, MAX_TASK_SECONDS, 'seconds')
  else if (fromEnv(BILLING_ENV.taskSeconds) !== undefined) taskSeconds = whole(fromEnv(BILLING_ENV.taskSeconds), BILLING_ENV.taskSeconds, 1, MAX_TASK_SECONDS, 'seconds')
  else {
    const nodeMs = fromEnv(BILLING_ENV.nodeTaskTimeMs)
    // The nodes' own limit, when it is a sane one; a malformed value is the node's to refuse.
    taskSeconds = nodeMs !== undefined && Number.isSafeInteger(nodeMs) && nodeMs > 0 ? Math.min(MAX_TASK_SECONDS, Math.ceil(nodeMs / 1000)) : BILLING_DEFAULTS.taskSeconds
  }
  const escrowTimeoutMs = whole(options.escrowTimeoutMs ?? BILLING_DEFAULTS.escrowTimeoutMs, 'billing.escrowTimeoutMs', 1000, MAX_ESCROW_MS, 'ms')
  return Object.freeze({ enabled, taskSeconds, escrowTimeoutMs })
}
