/**
 * Field checks shared by listings, cards, search requests and app templates. Each throws a
 * W3aiError with the caller's code and names the field by its path (`card.metrics[2].value`), so
 * a refusal says exactly what to fix. Values come from JSON or a query string: nothing is trusted.
 */
import { CidSchema, W3aiError, type ErrorCode } from '@w3ai/protocol'

/** The one CID pattern of the wire (CIDv1, base32), taken from @w3ai/protocol. */
export const CID_PATTERN = new RegExp(CidSchema.pattern ?? '^b[a-z2-7]{20,120}$')

// Control characters and unpaired surrogates; multi-line text may keep tab and newline.
const CONTROL = /[\p{Cc}\p{Cs}]/u
const CONTROL_BUT_NEWLINES = /[\0-\x08\x0b-\x1f\x7f-\x9f\p{Cs}]/u

/** Throws `code` with a message that starts with the field's path. */
export function fail(code: ErrorCode, field: string, problem: string, details: Record<string, unknown> = {}): never {
  throw new W3aiError(code, `${field}: ${problem}`, { field, ...details })
}

/** A plain object holding no keys but `allowed`. */
export function object(code: ErrorCode, field: string, value: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(code, field, 'must be an object')
  const extra = Object.keys(value).find((key) => !allowed.includes(key))
  if (extra !== undefined) fail(code, `${field}.${extra}`, `is not a known field (known: ${allowed.join(', ')})`)
  return value as Record<string, unknown>
}

/** An array of at most `max` entries (at least `min`). */
export function array(code: ErrorCode, field: string, value: unknown, max: number, min = 0): unknown[] {
  if (!Array.isArray(value)) fail(code, field, 'must be an array')
  if (value.length < min || value.length > max) fail(code, field, min > 0 ? `must hold ${min} to ${max} entries` : `must hold at most ${max} entries`)
  return value
}

export interface TextRule {
  min?: number
  max: number
  /** Tab and newline allowed (descriptions); other control characters never are. */
  multiline?: boolean
}

/** A string of `min`..`max` characters (code points) without control characters. */
export function text(code: ErrorCode, field: string, value: unknown, rule: TextRule): string {
  if (typeof value !== 'string') fail(code, field, 'must be a string')
  const length = [...value].length
  const min = rule.min ?? 0
  if (length < min || length > rule.max) fail(code, field, min > 0 ? `must be ${min} to ${rule.max} characters` : `must be at most ${rule.max} characters`)
  if ((rule.multiline ? CONTROL_BUT_NEWLINES : CONTROL).test(value)) fail(code, field, 'must not hold control characters')
  return value
}

/** One of `options`. */
export function oneOf<T extends string>(code: ErrorCode, field: string, value: unknown, options: readonly T[]): T {
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) fail(code, field, `must be one of ${options.join(', ')}`)
  return value as T
}

/** A whole number within `min`..`max`. */
export function integer(code: ErrorCode, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) fail(code, field, `must be a whole number from ${min} to ${max}`)
  return value
}

/** A finite number. */
export function finite(code: ErrorCode, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(code, field, 'must be a finite number')
  return value
}

/** A CIDv1 in base32. */
export function cid(code: ErrorCode, field: string, value: unknown): string {
  if (typeof value !== 'string' || !CID_PATTERN.test(value)) fail(code, field, 'must be a CIDv1 in base32 (b…)')
  return value
}
