/** Parsers for command-line values; each throws CLI_BAD_ARGUMENT naming the flag and the value. */
import { CidSchema, DeploymentIdSchema, EXECUTORS, JobIdSchema, NODE_STATUSES, W3aiError, type Executor, type Gpu, type NodeStatus } from '@w3ai/protocol'
import { MAX_NODES, MAX_SEGMENT_SIZE, MIN_SEGMENT_SIZE } from './constants.js'

export function badArgument(flag: string, value: string, expected: string): W3aiError {
  return new W3aiError('CLI_BAD_ARGUMENT', `${flag} ${JSON.stringify(value)} is invalid: expected ${expected}. See \`w3ai help COMMAND\`.`)
}

function integer(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value.trim())) throw badArgument(flag, value, `an integer ${min}..${max}`)
  const n = Number(value)
  if (n < min || n > max) throw badArgument(flag, value, `an integer ${min}..${max}`)
  return n
}

/** An integer that may be negative (e.g. --priority). */
function signedInteger(flag: string, value: string, min: number, max: number): number {
  if (!/^\s*-?\d+\s*$/.test(value)) throw badArgument(flag, value, `an integer ${min}..${max}`)
  const n = Number(value)
  if (n < min || n > max) throw badArgument(flag, value, `an integer ${min}..${max}`)
  return n
}

function positive(flag: string, value: string, max: number): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) throw badArgument(flag, value, `a number > 0 and <= ${max}`)
  return n
}

export const parsePort = (value: string): number => integer('--port', value, 0, 65535)
export const parseNodeCount = (value: string): number => integer('--nodes', value, 0, MAX_NODES)
export const parseCpu = (value: string): number => positive('--cpu', value, 4096)
export const parseMemory = (value: string): number => positive('--memory', value, 65536)
export const parseDisk = (value: string): number => {
  if (value.trim() === '0') return 0
  return positive('--disk', value, 10_000_000)
}

export function parseLocation(value: string): { lat: number; lon: number } {
  const parts = value.split(',')
  const [lat, lon] = parts.map((p) => (p.trim() === '' ? NaN : Number(p)))
  if (parts.length !== 2 || lat === undefined || lon === undefined || !(Math.abs(lat) <= 90) || !(Math.abs(lon) <= 180)) {
    throw badArgument('--location', value, 'LAT,LON with -90<=LAT<=90 and -180<=LON<=180')
  }
  return { lat, lon }
}

export function parseRegion(value: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(value)) throw badArgument('--region', value, 'a lower-case name like eu-west')
  return value
}

export function parseName(flag: string): (value: string) => string {
  return (value) => {
    if (value.length < 1 || value.length > 128) throw badArgument(flag, value, '1 to 128 characters')
    return value
  }
}

/** `MODEL:GB`, repeatable; the model may itself contain colons, the last one separates. */
export function parseGpu(value: string, previous: Gpu[] = []): Gpu[] {
  const at = value.lastIndexOf(':')
  const model = value.slice(0, at).trim()
  const memory = Number(value.slice(at + 1))
  if (at <= 0 || model.length > 128 || !Number.isFinite(memory) || memory <= 0 || memory > 4096) {
    throw badArgument('--gpu', value, 'MODEL:GB, e.g. "NVIDIA RTX 4090:24"')
  }
  return [...previous, { model, memoryGb: memory }]
}

export function parseExecutors(value: string): Executor[] {
  const list = value.split(',').map((s) => s.trim())
  for (const e of list) if (!(EXECUTORS as readonly string[]).includes(e)) throw badArgument('--executors', value, `a comma list of ${EXECUTORS.join(', ')}`)
  return [...new Set(list)] as Executor[]
}

export function parseExecutor(value: string): Executor {
  if (!(EXECUTORS as readonly string[]).includes(value)) throw badArgument('--executor', value, `one of ${EXECUTORS.join(', ')}`)
  return value as Executor
}

export function parseStatus(value: string): NodeStatus {
  if (!(NODE_STATUSES as readonly string[]).includes(value)) throw badArgument('--status', value, `one of ${NODE_STATUSES.join(', ')}`)
  return value as NodeStatus
}

export function parseUrl(flag: string): (value: string) => string {
  return (value) => {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      throw badArgument(flag, value, 'an http(s) URL')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badArgument(flag, value, 'an http(s) URL')
    return value.replace(/\/+$/, '')
  }
}

export function parseHost(value: string): string {
  if (!/^[A-Za-z0-9.:_-]{1,253}$/.test(value)) throw badArgument('--host', value, 'an address or host name')
  return value
}

export function parseLogLevel(value: string): string | false {
  if (value === 'false' || value === 'silent') return false
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace'].includes(value)) throw badArgument('--log-level', value, 'fatal, error, warn, info, debug, trace or silent')
  return value
}

/** `K/N`, e.g. 4/6; whether K < N is checked with the repair threshold (STORAGE_BAD_REDUNDANCY). */
export function parseRedundancy(value: string): { k: number; n: number } {
  const m = /^\s*(\d{1,3})\s*\/\s*(\d{1,3})\s*$/.exec(value)
  if (m === null) throw badArgument('--redundancy', value, 'K/N, e.g. 4/6 (any K of N pieces rebuild the data)')
  return { k: Number(m[1]), n: Number(m[2]) }
}

export const parseRepair = (value: string): number => integer('--repair', value, 1, 255)
export const parseSegmentSize = (value: string): number => integer('--segment-size', value, MIN_SEGMENT_SIZE, MAX_SEGMENT_SIZE)

/** A storage object's display name: 1 to 255 characters, as the hub accepts. */
export function parseObjectName(value: string): string {
  if (value.length < 1 || value.length > 255) throw badArgument('--name', value.slice(0, 40), '1 to 255 characters')
  return value
}

export function parseAccountId(flag: string): (value: string) => string {
  return (value) => {
    if (!/^a_[0-9a-f]{20}$/.test(value)) throw badArgument(flag, value, 'an account id like a_0123456789abcdef0123 (see `w3ai account show`)')
    return value
  }
}

const CID_RE = new RegExp((CidSchema as { pattern: string }).pattern)

/** A storage object id, checked as the hub checks it, so a typo fails before any request. */
export function checkCid(value: string): string {
  if (!CID_RE.test(value)) throw new W3aiError('STORAGE_BAD_CID', `"${value.slice(0, 80)}" is not a CIDv1 in base32 (like bagu… for an object).`)
  return value
}

/** `--verify N`: independent runs on distinct nodes whose results must agree, 1..5 as the hub accepts. */
export const parseVerify = (value: string): number => integer('--verify', value, 1, 5)
export const parsePriority = (value: string): number => signedInteger('--priority', value, -10, 10)
export const parseMaxAttempts = (value: string): number => integer('--max-attempts', value, 1, 10)
/** `--timeout SECONDS` of `--wait`. */
export const parseWaitTimeout = (value: string): number => positive('--timeout', value, 7 * 24 * 3600)

/** `--tolerance X`: how far float results of replicas may differ and still agree (0 = bitwise). */
export function parseTolerance(value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw badArgument('--tolerance', value, 'a number from 0 to 1')
  return n
}

const JOB_ID_RE = new RegExp((JobIdSchema as { pattern: string }).pattern)

/** A job id, checked before any request (`w3ai job ls` lists them). */
export function checkJobId(value: string): string {
  if (!JOB_ID_RE.test(value)) throw badArgument('job id', value, 'an id like j_0123456789abcdef01234567 (see `w3ai job ls`)')
  return value
}

const DEPLOYMENT_ID_RE = new RegExp((DeploymentIdSchema as { pattern: string }).pattern)

/** A deployment id, checked before any request (`w3ai model deployments` lists them). */
export function checkDeploymentId(value: string): string {
  if (!DEPLOYMENT_ID_RE.test(value)) throw badArgument('deployment id', value, 'an id like d_0123456789abcdef01234567 (see `w3ai model deployments`)')
  return value
}
/** `--replicas N` of `model serve`: nodes that keep the model loaded, 1..8 as the hub accepts. */
export const parseReplicas = (value: string): number => integer('--replicas', value, 1, 8)
/** `--max-batch N`: most rows a serving node runs in one batched call, 1..4096. */
export const parseMaxBatch = (value: string): number => integer('--max-batch', value, 1, 4096)
