/**
 * Hub configuration: HubOptions and the environment, read once, validated and frozen. A bad value
 * stops the hub at start with an error that names it; nothing falls back silently.
 */
import { isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseTokens } from '@w3ai/ledger'
import { HUB_DEFAULTS } from './constants.js'
import { billingSettings, type BillingSettings } from './domains/billing/config.js'
import { stakingSettings, type StakingSettings } from './domains/staking/config.js'
import { governanceSettings, type GovernanceSettings } from './domains/governance/config.js'

export interface HubOptions {
  /** w3ai home; PGlite data lives under `<home>/hub/db` unless databaseUrl is set. */
  home: string
  /** TCP port (default 7420; 0 picks a free one). */
  port?: number
  /** Address to bind (default 127.0.0.1). */
  host?: string
  /**
   * Whether start() binds the port (default true). With false the routes answer only
   * `hub.app.inject(...)`: route tests need no socket, and the hub advertises no URL.
   */
  listen?: boolean
  /** PostgreSQL URL (a `schema=NAME` query parameter selects a schema); when absent, embedded PGlite is used. */
  databaseUrl?: string
  /** Heartbeat interval the hub tells nodes to use (default 1000 ms). */
  heartbeatIntervalMs?: number
  /** A node no hub has heard from for this long is offline (default 10000 ms). */
  staleAfterMs?: number
  /** Directory of the built dashboard (default: packages/web/dist). */
  webRoot?: string
  /** pino level, or false for no logs (default 'info'). Logs go to stdout. */
  logLevel?: string | false
  /** Compute settings (task leases, spot checks, stragglers); leaseMs and spotCheckRate may also come from the environment (COMPUTE_ENV). */
  compute?: Partial<ComputeSettings>
  /** Storage settings; each may also come from the environment (STORAGE_ENV). */
  storage?: Partial<StorageSettings>
  /** Governance settings: genesis voting delay, period and timelock (devnets shorten them), upkeep interval, clock; see GOVERNANCE_ENV. */
  governance?: Partial<GovernanceSettings>
  /** Ledger settings (genesis allocations, the faucet); each may also come from the environment (LEDGER_ENV). */
  ledger?: Partial<LedgerSettings>
  /** Billing (escrow, settlement, pay per inference): off unless enabled here or with W3AI_BILLING=on; see BILLING_ENV. */
  billing?: Partial<BillingSettings>
  /** Staking: the free work limit (W3AI_STAKE_FREE_WORK_MAX, tokens), unbonding releases; see STAKING_ENV. */
  staking?: Partial<StakingSettings>
  /**
   * The file holding the network's order-signing key (mode 0600; created on the network's first
   * start). Default `<home>/hub/network-key.json`, or W3AI_NETWORK_KEY_FILE. Hubs sharing one
   * database must each be given a copy of the same file.
   */
  networkKeyFile?: string
  /**
   * The URL other hubs give nodes for this hub (the welcome's `hubs`). Default W3AI_PUBLIC_URL,
   * else the URL the hub is bound to.
   */
  publicUrl?: string
  /** Environment to read settings from (default process.env). */
  env?: NodeJS.ProcessEnv
}

export interface StorageSettings {
  storageQuotaBytes: number
  repairGraceMs: number
  auditIntervalMs: number
  repairIntervalMs: number
  /** Storage epoch (billing on): how often nodes whose pieces passed their audits are paid (ms). */
  epochMs: number
  /** Hours of storage an upload pays for when it names none (billing on). */
  durationHours: number
}

/** Token amounts are units (1 token = 10^18 units). */
export interface LedgerSettings {
  /** Whether POST /v1/faucet gives tokens (devnets only). */
  faucet: boolean
  /** What one faucet request gives when it names no amount. */
  faucetAmount: bigint
  /** The most one account may take from the faucet, all requests together. */
  faucetCap: bigint
  /** Minted to the treasury when the ledger is empty. */
  genesisTreasury: bigint
  /** Minted to the faucet when the ledger is empty (default: its allocation when the faucet is on, else none). */
  genesisFaucet: bigint
}

export interface ComputeSettings {
  leaseMs: number
  spotCheckRate: number
  stragglerAfterMs: number
}

/** The validated, frozen configuration every part of the hub reads. */
export interface HubConfig {
  readonly home: string
  readonly port: number
  readonly host: string
  readonly listen: boolean
  readonly databaseUrl: string | undefined
  /** Absolute path of the network key file. */
  readonly networkKeyFile: string
  /** This hub's public URL without a trailing slash; undefined: the bound URL. */
  readonly publicUrl: string | undefined
  readonly heartbeatIntervalMs: number
  readonly staleAfterMs: number
  readonly webRoot: string
  readonly logLevel: string | false
  readonly storage: Readonly<StorageSettings>
  readonly compute: Readonly<ComputeSettings>
  readonly governance: Readonly<GovernanceSettings>
  readonly ledger: Readonly<LedgerSettings>
  readonly billing: Readonly<BillingSettings>
  readonly staking: Readonly<StakingSettings>
}

/** Storage settings that may also come from the environment (devnets and tests shorten them). */
export const STORAGE_ENV: Record<keyof StorageSettings, string> = {
  storageQuotaBytes: 'W3AI_STORAGE_QUOTA_BYTES',
  repairGraceMs: 'W3AI_STORAGE_REPAIR_GRACE_MS',
  auditIntervalMs: 'W3AI_STORAGE_AUDIT_INTERVAL_MS',
  repairIntervalMs: 'W3AI_STORAGE_REPAIR_INTERVAL_MS',
  epochMs: 'W3AI_STORAGE_EPOCH_MS',
  durationHours: 'W3AI_STORAGE_DURATION_HOURS',
}

/** Compute settings that may also come from the environment. */
export const COMPUTE_ENV: Partial<Record<keyof ComputeSettings, string>> = {
  leaseMs: 'W3AI_TASK_LEASE_MS',
  spotCheckRate: 'W3AI_SPOT_CHECK_RATE',
}

/** Ledger settings from the environment: W3AI_FAUCET is on or off, the others are tokens ("1000", "0.5"). */
export const LEDGER_ENV: Record<keyof LedgerSettings, string> = {
  faucet: 'W3AI_FAUCET',
  faucetAmount: 'W3AI_FAUCET_AMOUNT',
  faucetCap: 'W3AI_FAUCET_CAP',
  genesisTreasury: 'W3AI_GENESIS_TREASURY',
  genesisFaucet: 'W3AI_GENESIS_FAUCET',
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url))
const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

export class HubConfigError extends Error {
  constructor(message: string) {
    super(`Invalid hub configuration: ${message}`)
    this.name = 'HubConfigError'
  }
}

interface Range {
  min: number
  max: number
  integer?: boolean
}

function check(name: string, value: unknown, range: Range): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= range.min && value <= range.max && (range.integer !== true || Number.isInteger(value))
  if (!ok) throw new HubConfigError(`${name} is ${JSON.stringify(value)}; it must be ${range.integer === true ? 'an integer' : 'a number'} from ${range.min} to ${range.max}.`)
  return value as number
}

/** An option, else the environment variable, else the default; whichever is used must be valid. */
function pick(option: number | undefined, optionName: string, envName: string | undefined, env: NodeJS.ProcessEnv, fallback: number, range: Range): number {
  if (option !== undefined) return check(optionName, option, range)
  const raw = envName === undefined ? undefined : env[envName]
  if (raw === undefined || raw === '') return fallback
  const parsed = /^\s*-?[0-9.eE+]+\s*$/.test(raw) ? Number(raw) : NaN
  if (!Number.isFinite(parsed)) throw new HubConfigError(`${envName}=${JSON.stringify(raw)} is not a number.`)
  return check(envName!, parsed, range)
}

const MS = { min: 1, max: 7 * 24 * 3600_000, integer: true }

/** Environment variables for the settings that are not numbers. */
export const HUB_ENV = {
  networkKeyFile: 'W3AI_NETWORK_KEY_FILE',
  publicUrl: 'W3AI_PUBLIC_URL',
} as const

/** An option, else a non-empty environment variable, with the name to report it by. */
function text(option: string | undefined, optionName: string, envName: string, env: NodeJS.ProcessEnv): { value: string; name: string } | undefined {
  if (option !== undefined) return { value: option, name: optionName }
  const raw = env[envName]
  return raw === undefined || raw === '' ? undefined : { value: raw, name: envName }
}

function networkKeyFileOf(options: HubOptions, env: NodeJS.ProcessEnv): string {
  const given = text(options.networkKeyFile, 'networkKeyFile', HUB_ENV.networkKeyFile, env)
  if (given === undefined) return join(resolve(options.home), 'hub', 'network-key.json')
  if (given.value.trim() === '' || given.value.includes('\0') || given.value.endsWith('/')) {
    throw new HubConfigError(`${given.name} ${JSON.stringify(given.value)} is not a file path.`)
  }
  return isAbsolute(given.value) ? given.value : resolve(given.value)
}

function publicUrlOf(options: HubOptions, env: NodeJS.ProcessEnv): string | undefined {
  const given = text(options.publicUrl, 'publicUrl', HUB_ENV.publicUrl, env)
  if (given === undefined) return undefined
  let url: URL | undefined
  try {
    url = new URL(given.value)
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new HubConfigError(`${given.name} ${JSON.stringify(given.value)} must be an http:// or https:// URL without query, fragment or credentials.`)
  }
  return url.href.replace(/\/+$/, '')
}

/** An amount option (units), else tokens from the environment, else the default. */
function units(option: bigint | undefined, optionName: string, envName: string, env: NodeJS.ProcessEnv, fallback: bigint): bigint {
  if (option !== undefined) {
    if (typeof option !== 'bigint' || option < 0n || option >= 2n ** 127n) throw new HubConfigError(`${optionName} must be a bigint of units from 0 to 2^127 - 1.`)
    return option
  }
  const raw = env[envName]
  if (raw === undefined || raw === '') return fallback
  try {
    return parseTokens(raw.trim())
  } catch {
    throw new HubConfigError(`${envName}=${JSON.stringify(raw)} is not an amount of tokens (digits, at most 18 decimals).`)
  }
}

function ledgerOf(options: Partial<LedgerSettings>, env: NodeJS.ProcessEnv): LedgerSettings {
  let faucet = options.faucet
  if (faucet === undefined) {
    const raw = env[LEDGER_ENV.faucet]
    if (raw !== undefined && raw !== '' && raw !== 'on' && raw !== 'off') throw new HubConfigError(`${LEDGER_ENV.faucet}=${JSON.stringify(raw)} must be on or off.`)
    faucet = raw === 'on'
  }
  const d = HUB_DEFAULTS.ledger
  return {
    faucet,
    faucetAmount: units(options.faucetAmount, 'ledger.faucetAmount', LEDGER_ENV.faucetAmount, env, d.faucetAmount),
    faucetCap: units(options.faucetCap, 'ledger.faucetCap', LEDGER_ENV.faucetCap, env, d.faucetCap),
    genesisTreasury: units(options.genesisTreasury, 'ledger.genesisTreasury', LEDGER_ENV.genesisTreasury, env, d.genesisTreasury),
    genesisFaucet: units(options.genesisFaucet, 'ledger.genesisFaucet', LEDGER_ENV.genesisFaucet, env, faucet ? d.genesisFaucet : 0n),
  }
}

/** Validates HubOptions and the environment once; throws HubConfigError naming the bad value. */
export function loadConfig(options: HubOptions): HubConfig {
  if (typeof options.home !== 'string' || options.home === '') throw new HubConfigError('home must be a directory path.')
  const env = options.env ?? process.env
  const logLevel = options.logLevel ?? HUB_DEFAULTS.logLevel
  if (logLevel !== false && !LOG_LEVELS.has(logLevel)) throw new HubConfigError(`logLevel ${JSON.stringify(logLevel)} is not one of ${[...LOG_LEVELS].join(', ')} or false.`)
  if (options.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(options.databaseUrl)) throw new HubConfigError('databaseUrl must start with postgres:// or postgresql://.')
  const s = options.storage ?? {}
  const c = options.compute ?? {}
  const storage: StorageSettings = {
    storageQuotaBytes: pick(s.storageQuotaBytes, 'storage.storageQuotaBytes', STORAGE_ENV.storageQuotaBytes, env, HUB_DEFAULTS.storageQuotaBytes, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true }),
    repairGraceMs: pick(s.repairGraceMs, 'storage.repairGraceMs', STORAGE_ENV.repairGraceMs, env, HUB_DEFAULTS.repairGraceMs, { ...MS, min: 0 }),
    auditIntervalMs: pick(s.auditIntervalMs, 'storage.auditIntervalMs', STORAGE_ENV.auditIntervalMs, env, HUB_DEFAULTS.auditIntervalMs, MS),
    repairIntervalMs: pick(s.repairIntervalMs, 'storage.repairIntervalMs', STORAGE_ENV.repairIntervalMs, env, HUB_DEFAULTS.repairIntervalMs, MS),
    epochMs: pick(s.epochMs, 'storage.epochMs', STORAGE_ENV.epochMs, env, HUB_DEFAULTS.storageEpochMs, { ...MS, min: 1000 }),
    durationHours: pick(s.durationHours, 'storage.durationHours', STORAGE_ENV.durationHours, env, HUB_DEFAULTS.storageDurationHours, { min: 1, max: 10 * 365 * 24, integer: true }),
  }
  const compute: ComputeSettings = {
    leaseMs: pick(c.leaseMs, 'compute.leaseMs', COMPUTE_ENV.leaseMs, env, HUB_DEFAULTS.taskLeaseMs, MS),
    spotCheckRate: pick(c.spotCheckRate, 'compute.spotCheckRate', COMPUTE_ENV.spotCheckRate, env, HUB_DEFAULTS.spotCheckRate, { min: 0, max: 1 }),
    stragglerAfterMs: pick(c.stragglerAfterMs, 'compute.stragglerAfterMs', undefined, env, HUB_DEFAULTS.stragglerAfterMs, MS),
  }
  return Object.freeze({
    home: options.home,
    port: check('port', options.port ?? HUB_DEFAULTS.port, { min: 0, max: 65535, integer: true }),
    host: options.host ?? HUB_DEFAULTS.host,
    listen: options.listen ?? true,
    databaseUrl: options.databaseUrl,
    networkKeyFile: networkKeyFileOf(options, env),
    publicUrl: publicUrlOf(options, env),
    heartbeatIntervalMs: check('heartbeatIntervalMs', options.heartbeatIntervalMs ?? HUB_DEFAULTS.heartbeatIntervalMs, MS),
    staleAfterMs: check('staleAfterMs', options.staleAfterMs ?? HUB_DEFAULTS.staleAfterMs, MS),
    webRoot: options.webRoot ?? DEFAULT_WEB_ROOT,
    logLevel,
    storage: Object.freeze(storage),
    compute: Object.freeze(compute),
    governance: governanceSettings(options.governance ?? {}, env, (message) => new HubConfigError(message)),
    ledger: Object.freeze(ledgerOf(options.ledger ?? {}, env)),
    billing: billingSettings(options.billing ?? {}, env, (message) => new HubConfigError(message)),
    staking: stakingSettings(options.staking ?? {}, env, (message) => new HubConfigError(message)),
  })
}
