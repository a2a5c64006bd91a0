/**
 * Apps are runnable templates: a template names what runs (a compute job on one executor, an HE
 * pipeline, a federated training, or a builtin app shipped in this package) and the typed params
 * a user sets at launch (`w3ai app run LISTING --param k=v`). The template is public (it is on the
 * card); `bindParams` turns the user's strings into typed values, filling defaults, so a launch
 * with a bad param is refused before anything is paid or submitted.
 */
import { JOB_EXECUTORS, type JobExecutor } from '@w3ai/protocol'
import { array, CID_PATTERN, fail, finite, object, oneOf, text } from './check.js'

export const PARAM_TYPES = ['int', 'number', 'string', 'bool', 'cid'] as const
export type ParamType = (typeof PARAM_TYPES)[number]
export type ParamValue = number | string | boolean

/** Apps whose runner ships in @w3ai/market (the launcher runs them on the user's side). */
export const BUILTIN_APPS = ['recommender'] as const
export type BuiltinApp = (typeof BUILTIN_APPS)[number]

export const RUNNABLE_KINDS = ['job', 'pipeline', 'federated', 'builtin'] as const
export type RunnableKind = (typeof RUNNABLE_KINDS)[number]

/** A fixed JSON part of the runnable (a train layer spec, a pipeline's model) the bound params join. */
export type RunnableSpec = Record<string, unknown>

export type Runnable =
  | { kind: 'job'; executor: JobExecutor; spec?: RunnableSpec }
  | { kind: 'pipeline'; spec?: RunnableSpec }
  | { kind: 'federated'; spec?: RunnableSpec }
  | { kind: 'builtin'; name: BuiltinApp }

export interface ParamSpec {
  name: string
  type: ParamType
  description?: string
  /** Used when the user does not set the param; a param without one is required unless optional. */
  default?: ParamValue
  /** Bounds for int and number params, inclusive. */
  min?: number
  max?: number
  /** May be left unset (no default): the bound params then lack it. */
  optional?: boolean
}

export interface AppTemplate {
  runnable: Runnable
  params: ParamSpec[]
}

export type BoundParams = Record<string, ParamValue>

export const APP_LIMITS = { params: 32, description: 500, string: 1000, spec: 16_384 } as const

const PARAM_NAME = /^[a-z][A-Za-z0-9_]{0,31}$/
const INT = /^[+-]?\d{1,16}$/
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const CONTROL = /[\p{Cc}\p{Cs}]/u

function spec(field: string, value: unknown): RunnableSpec | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('MARKET_INVALID_CARD', field, 'must be an object')
  let json: string
  try {
    json = JSON.stringify(value)
  } catch {
    fail('MARKET_INVALID_CARD', field, 'must be plain JSON')
  }
  if (json.length > APP_LIMITS.spec) fail('MARKET_INVALID_CARD', field, `must be at most ${APP_LIMITS.spec} bytes of JSON`)
  return JSON.parse(json) as RunnableSpec
}

function runnable(field: string, value: unknown): Runnable {
  const kind = oneOf('MARKET_INVALID_CARD', `${field}.kind`, (value as { kind?: unknown } | null)?.kind, RUNNABLE_KINDS)
  if (kind === 'builtin') {
    const r = object('MARKET_INVALID_CARD', field, value, ['kind', 'name'])
    return { kind, name: oneOf('MARKET_INVALID_CARD', `${field}.name`, r.name, BUILTIN_APPS) }
  }
  if (kind === 'job') {
    const r = object('MARKET_INVALID_CARD', field, value, ['kind', 'executor', 'spec'])
    const executor = oneOf('MARKET_INVALID_CARD', `${field}.executor`, r.executor, JOB_EXECUTORS)
    const s = spec(`${field}.spec`, r.spec)
    return s === undefined ? { kind, executor } : { kind, executor, spec: s }
  }
  const r = object('MARKET_INVALID_CARD', field, value, ['kind', 'spec'])
  const s = spec(`${field}.spec`, r.spec)
  return s === undefined ? { kind } : { kind, spec: s }
}

/** The reason `value` is not a valid value of `param`, or null. */
function valueProblem(param: ParamSpec, value: ParamValue): string | null {
  switch (param.type) {
    case 'int':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a ${param.type === 'int' ? 'whole number' : 'number'}`
      if (param.type === 'int' && !Number.isSafeInteger(value)) return 'must be a whole number'
      if (param.min !== undefined && value < param.min) return `must be at least ${param.min}`
      if (param.max !== undefined && value > param.max) return `must be at most ${param.max}`
      return null
    }
    case 'bool':
      return typeof value === 'boolean' ? null : 'must be true or false'
    case 'cid':
      return typeof value === 'string' && CID_PATTERN.test(value) ? null : 'must be a CIDv1 in base32 (b…)'
    case 'string':
      if (typeof value !== 'string') return 'must be a string'
      if ([...value].length > APP_LIMITS.string) return `must be at most ${APP_LIMITS.string} characters`
      return CONTROL.test(value) ? 'must not hold control characters' : null
  }
}

function param(field: string, value: unknown): ParamSpec {
  const p = object('MARKET_INVALID_CARD', field, value, ['name', 'type', 'description', 'default', 'min', 'max', 'optional'])
  if (typeof p.name !== 'string' || !PARAM_NAME.test(p.name)) fail('MARKET_INVALID_CARD', `${field}.name`, 'must match ^[a-z][A-Za-z0-9_]{0,31}$')
  const out: ParamSpec = { name: p.name, type: oneOf('MARKET_INVALID_CARD', `${field}.type`, p.type, PARAM_TYPES) }
  if (p.description !== undefined) out.description = text('MARKET_INVALID_CARD', `${field}.description`, p.description, { max: APP_LIMITS.description })
  for (const bound of ['min', 'max'] as const) {
    if (p[bound] === undefined) continue
    if (out.type !== 'int' && out.type !== 'number') fail('MARKET_INVALID_CARD', `${field}.${bound}`, 'only int and number params have bounds')
    out[bound] = finite('MARKET_INVALID_CARD', `${field}.${bound}`, p[bound])
  }
  if (out.min !== undefined && out.max !== undefined && out.min > out.max) fail('MARKET_INVALID_CARD', `${field}.min`, 'must not be above max')
  if (p.optional !== undefined) {
    if (typeof p.optional !== 'boolean') fail('MARKET_INVALID_CARD', `${field}.optional`, 'must be true or false')
    if (p.optional) out.optional = true
  }
  if (p.default !== undefined) {
    const problem = valueProblem(out, p.default as ParamValue)
    if (problem !== null) fail('MARKET_INVALID_CARD', `${field}.default`, problem)
    out.default = p.default as ParamValue
  }
  return out
}

/** Checks an app template (the `template` of an app card) and returns it normalized. */
export function validateTemplate(value: unknown, field = 'template'): AppTemplate {
  const t = object('MARKET_INVALID_CARD', field, value, ['runnable', 'params'])
  const params = array('MARKET_INVALID_CARD', `${field}.params`, t.params ?? [], APP_LIMITS.params).map((p, i) => param(`${field}.params[${i}]`, p))
  const seen = new Set<string>()
  params.forEach((p, i) => {
    if (seen.has(p.name)) fail('MARKET_INVALID_CARD', `${field}.params[${i}].name`, `repeats the param ${p.name}`)
    seen.add(p.name)
  })
  return { runnable: runnable(`${field}.runnable`, t.runnable), params }
}

function invalidParam(name: string, problem: string): never {
  fail('MARKET_INVALID_PARAM', `param ${name}`, problem, { param: name })
}

/** Command-line `k=v` strings (from repeated --param) → a map; a malformed or repeated one is refused. */
export function parseParamArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const arg of args) {
    const eq = arg.indexOf('=')
    const name = eq > 0 ? arg.slice(0, eq) : arg
    if (eq <= 0) invalidParam(name, 'must be written name=value')
    if (Object.hasOwn(out, name)) invalidParam(name, 'is given more than once')
    out[name] = arg.slice(eq + 1)
  }
  return out
}

function parse(param: ParamSpec, raw: string): ParamValue {
  switch (param.type) {
    case 'int':
      if (!INT.test(raw)) invalidParam(param.name, `must be a whole number, not "${raw.slice(0, 40)}"`)
      return Number(raw)
    case 'number':
      if (!NUMBER.test(raw)) invalidParam(param.name, `must be a number, not "${raw.slice(0, 40)}"`)
      return Number(raw)
    case 'bool':
      if (raw !== 'true' && raw !== 'false') invalidParam(param.name, 'must be true or false')
      return raw === 'true'
    default:
      return raw
  }
}

/**
 * Binds a user's param strings to a template: each is parsed by its type and checked against its
 * bounds, unset ones take their default; an unknown, missing or ill-typed param is
 * MARKET_INVALID_PARAM naming it (details.param).
 */
export function bindParams(template: AppTemplate, raw: Readonly<Record<string, string>>): BoundParams {
  const byName = new Map(template.params.map((p) => [p.name, p]))
  for (const name of Object.keys(raw)) {
    if (!byName.has(name)) invalidParam(name, `is not a param of this app (its params: ${[...byName.keys()].join(', ') || 'none'})`)
  }
  const out: BoundParams = {}
  for (const p of template.params) {
    const given = Object.hasOwn(raw, p.name) ? raw[p.name] : undefined
    if (given === undefined) {
      if (p.default !== undefined) out[p.name] = p.default
      else if (!p.optional) invalidParam(p.name, `is required (${p.type})`)
      continue
    }
    if (typeof given !== 'string') invalidParam(p.name, 'must be given as a string')
    const value = parse(p, given)
    const problem = valueProblem(p, value)
    if (problem !== null) invalidParam(p.name, problem)
    out[p.name] = value
  }
  return out
}
