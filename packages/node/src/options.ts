/** The agent's options, their defaults, and the one-time validation into a frozen config. */
import { NodeRegistrationSchema, W3aiError, type Executor, type Gpu, type NodePrices, type NodeRegistration } from '@w3ai/protocol'
import { Value } from '@sinclair/typebox/value'
import { isBase64Url } from '@w3ai/crypto'
import { backoffProblem, type BackoffOptions } from '@w3ai/util'
import {
  DEFAULT_DISK_SCAN_INTERVAL_MS,
  DEFAULT_EXECUTORS,
  DEFAULT_HOST,
  DEFAULT_LOCATION,
  DEFAULT_LOG_LEVEL,
  DEFAULT_PORT,
  DEFAULT_RECONNECT,
  DEFAULT_REPORT_RETRY,
} from './constants.js'
import { normalizeHubUrl } from './hub-pool.js'
import type { MachineShare } from './measure.js'

export interface NodeAgentOptions {
  /** Directory holding `identity.json` (created, mode 0600) and the node's data. Required. */
  home: string
  /**
   * Base URL of the hub, e.g. http://127.0.0.1:7420; several may be given comma-separated. Required
   * unless `hubs` is given.
   */
  hubUrl?: string
  /**
   * Hubs of one network in the order they are tried; the node moves to the next when the current
   * one cannot be reached (default: `hubUrl`). Hubs named in a welcome message are added.
   */
  hubs?: string[]
  /** Address for the node's HTTP endpoint (default 127.0.0.1). */
  host?: string
  /** Port for the node's HTTP endpoint (default 0: a free port). */
  port?: number
  /** URL registered as the node's endpoint (default http://host:port after listening). */
  publicUrl?: string
  /** Display name (default: the node id). */
  name?: string
  /** CPU cores offered (default: all cores of this machine). */
  cpu?: number
  /** Memory offered in GB (default: this machine's total memory). */
  memoryGb?: number
  /** Disk offered in GB (default: free space on the filesystem of `home`). */
  diskGb?: number
  /** GPUs declared to the hub (default none). */
  gpus?: Gpu[]
  /** Executors advertised (default onnx, train, wasm). */
  executors?: Executor[]
  /** Position on the map (default 0,0). */
  location?: { lat: number; lon: number }
  /** Region name, lower-case (default 'local'). */
  region?: string
  /** City name shown on the dashboard (default none). */
  city?: string
  /** Reconnect backoff (default 250 ms doubling to 5000 ms, ±20 % jitter). */
  reconnect?: Partial<BackoffOptions>
  /** Backoff between tries to hand a task's result to an unreachable hub (default 500 ms doubling to 10 s, ±20 %). */
  reportRetry?: Partial<BackoffOptions>
  /** How often the home's size is re-measured (default 5000 ms). */
  diskScanIntervalMs?: number
  /** pino level, or false for no logs (default 'info'). */
  logLevel?: string | false
  /**
   * The network's order key (ed25519 public key, base64url) to check piece orders with until the
   * hub's welcome message names one (default none: orders are refused until then).
   */
  orderKey?: string
  /** Task execution: slots (default: cores offered, at least 1), poll interval, sandbox limits. */
  tasks?: Partial<TaskSettings>
  /**
   * The prices this node asks, in units (decimal strings); the hub clamps each to the governed
   * bounds, and one not given is the governed minimum. Default: W3AI_NODE_PRICE_COMPUTE (per
   * task-second), W3AI_NODE_PRICE_SERVING (per call), W3AI_NODE_PRICE_STORAGE (per GiB-hour), else none.
   */
  prices?: NodePrices
}

export interface TaskSettings {
  /** Claim and run tasks at all (default true). */
  enabled: boolean
  slots: number
  pollMs: number
  timeMs: number
  memoryMb: number
}

export interface NodeAgentConfig {
  readonly home: string
  /** The first hub (the one tried first). */
  readonly hubUrl: string
  readonly hubs: readonly string[]
  readonly host: string
  readonly port: number
  readonly publicUrl: string | undefined
  readonly name: string | undefined
  readonly capabilities: NodeRegistration['capabilities']
  readonly location: NodeRegistration['location']
  readonly reconnect: BackoffOptions
  readonly reportRetry: BackoffOptions
  readonly diskScanIntervalMs: number
  readonly logLevel: string | false
  readonly orderKey: string | undefined
  readonly tasks: Readonly<TaskSettings>
  /** The prices this node asks (units), undefined when it asks none. */
  readonly prices: NodePrices | undefined
}

function bad(message: string, details?: unknown): W3aiError {
  return new W3aiError('VALIDATION_FAILED', `Invalid node agent option: ${message}`, details)
}

/** Applies defaults (machine measurements for resources) and checks the result once. */
export function resolveConfig(options: NodeAgentOptions, machine: MachineShare): NodeAgentConfig {
  if (typeof options.home !== 'string' || options.home === '') throw bad('home is required')
  const rawHubs = options.hubs ?? (typeof options.hubUrl === 'string' ? options.hubUrl.split(',') : [])
  const hubs: string[] = []
  for (const raw of rawHubs) {
    if (typeof raw !== 'string' || raw.trim() === '') continue
    const url = normalizeHubUrl(raw)
    if (url === undefined) throw bad(`hub URL ${JSON.stringify(raw)} is not an http(s) URL`)
    if (!hubs.includes(url)) hubs.push(url)
  }
  if (hubs.length === 0) throw bad('hubUrl (or hubs) is required')
  const port = options.port ?? DEFAULT_PORT
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw bad(`port ${port} is not 0..65535`)

  const reconnect = { ...DEFAULT_RECONNECT, ...options.reconnect }
  const reportRetry = { ...DEFAULT_REPORT_RETRY, ...options.reportRetry }
  for (const [name, b] of [['reconnect', reconnect], ['reportRetry', reportRetry]] as const) {
    const problem = backoffProblem(b)
    if (problem !== undefined) throw bad(`${name} ${problem}`)
  }
  const diskScanIntervalMs = options.diskScanIntervalMs ?? DEFAULT_DISK_SCAN_INTERVAL_MS
  if (!(diskScanIntervalMs > 0)) throw bad('diskScanIntervalMs must be positive')

  const capabilities = {
    cpuCores: options.cpu ?? machine.cpuCores,
    memoryGb: options.memoryGb ?? machine.memoryGb,
    gpus: (options.gpus ?? []).map((g) => ({ model: g.model, memoryGb: g.memoryGb })),
    diskGb: options.diskGb ?? machine.diskGb,
    executors: [...(options.executors ?? DEFAULT_EXECUTORS)],
  }
  const location: NodeRegistration['location'] = {
    lat: options.location?.lat ?? DEFAULT_LOCATION.lat,
    lon: options.location?.lon ?? DEFAULT_LOCATION.lon,
    region: options.region ?? DEFAULT_LOCATION.region,
  }
  if (options.city !== undefined) location.city = options.city

  if (options.orderKey !== undefined && !isBase64Url(options.orderKey, 32)) throw bad('orderKey must be a 32-byte ed25519 public key in base64url')

  // Checking against the wire schema here reports a bad option at start-up, not as a hub 400 later.
  const prices = pricesOf(options.prices)
  const probe: NodeRegistration = { capabilities, location, endpoint: 'http://127.0.0.1:1' }
  if (options.name !== undefined) probe.name = options.name
  if (prices !== undefined) probe.prices = prices
  if (!Value.Check(NodeRegistrationSchema, probe)) {
    const errors = [...Value.Errors(NodeRegistrationSchema, probe)].map((e) => `${e.path} ${e.message}`)
    throw bad(errors.join('; '), errors)
  }

  const t = options.tasks ?? {}
  // Devnets and tests shorten these through the environment.
  const envNumber = (name: string): number | undefined => {
    const raw = process.env[name]
    return raw === undefined || raw === '' || !Number.isFinite(Number(raw)) ? undefined : Number(raw)
  }
  const tasks: TaskSettings = Object.freeze({
    enabled: t.enabled ?? true,
    slots: t.slots ?? envNumber('W3AI_TASK_SLOTS') ?? Math.max(1, Math.floor(capabilities.cpuCores)),
    pollMs: t.pollMs ?? envNumber('W3AI_TASK_POLL_MS') ?? 1000,
    timeMs: t.timeMs ?? envNumber('W3AI_TASK_TIME_MS') ?? 10 * 60_000,
    memoryMb: t.memoryMb ?? 1024,
  })
  if (!(Number.isInteger(tasks.slots) && tasks.slots >= 1 && tasks.pollMs >= 10 && tasks.timeMs >= 100 && tasks.memoryMb >= 128)) {
    throw bad('tasks needs integer slots >= 1, pollMs >= 10, timeMs >= 100 and memoryMb >= 128')
  }

  return Object.freeze({
    tasks,
    home: options.home,
    hubUrl: hubs[0]!,
    hubs: Object.freeze(hubs),
    host: options.host ?? DEFAULT_HOST,
    port,
    publicUrl: options.publicUrl,
    name: options.name,
    capabilities,
    location,
    reconnect,
    reportRetry,
    diskScanIntervalMs,
    logLevel: options.logLevel ?? DEFAULT_LOG_LEVEL,
    orderKey: options.orderKey,
    prices,
  })
}

/** Asked prices from the options, else from the environment; undefined when none is asked. */
function pricesOf(given: NodePrices | undefined): NodePrices | undefined {
  if (given !== undefined) return { ...given }
  const out: NodePrices = {}
  for (const [key, env] of [['computePerTaskSecond', 'W3AI_NODE_PRICE_COMPUTE'], ['servingPerCall', 'W3AI_NODE_PRICE_SERVING'], ['storagePerGiBHour', 'W3AI_NODE_PRICE_STORAGE']] as const) {
    const raw = process.env[env]
    if (raw !== undefined && raw !== '') out[key] = raw.trim()
  }
  return Object.keys(out).length === 0 ? undefined : out
}
