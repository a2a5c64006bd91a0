/**
 * Checking strategy options: every value is range-checked once, in the constructor, and a wrong
 * one is FL_BAD_CONFIG naming the strategy and the field, so a bad `strategy` block in an FL
 * config fails before the first round.
 */
import { W3aiError } from '@w3ai/protocol'
import type { Scalars } from '../types.js'

/** Per-round configuration sent to clients: fixed values, or computed from the round number. */
export type RoundConfig = Scalars | ((round: number) => Scalars)

export interface NumberRule {
  min?: number
  max?: number
  /** min is exclusive (value > min). */
  aboveMin?: boolean
  /** max is exclusive (value < max). */
  belowMax?: boolean
  integer?: boolean
}

/** FL_BAD_CONFIG for `strategy`, naming the field. */
export function badConfig(strategy: string, message: string, details?: unknown): W3aiError {
  return new W3aiError('FL_BAD_CONFIG', `Strategy ${strategy}: ${message}`, details)
}

function describe(rule: NumberRule): string {
  const kind = rule.integer === true ? 'an integer' : 'a number'
  const parts: string[] = []
  if (rule.min !== undefined) parts.push(`${rule.aboveMin === true ? '>' : '>='} ${rule.min}`)
  if (rule.max !== undefined) parts.push(`${rule.belowMax === true ? '<' : '<='} ${rule.max}`)
  return parts.length === 0 ? `${kind}` : `${kind} ${parts.join(' and ')}`
}

/** Reads option values of one strategy, each with its default and rule. */
export class OptionReader {
  constructor(
    readonly strategy: string,
    private readonly options: object,
  ) {}

  private value(key: string): unknown {
    return (this.options as Record<string, unknown>)[key]
  }

  /** A finite number obeying `rule`, or `fallback` when absent. */
  number(key: string, fallback: number, rule: NumberRule = {}): number {
    const v = this.value(key) ?? fallback
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (rule.integer !== true || Number.isInteger(v)) &&
      (rule.min === undefined || (rule.aboveMin === true ? v > rule.min : v >= rule.min)) &&
      (rule.max === undefined || (rule.belowMax === true ? v < rule.max : v <= rule.max))
    if (!ok) throw badConfig(this.strategy, `${key} must be ${describe(rule)}, got ${JSON.stringify(v)}.`, { field: key })
    return v as number
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.value(key) ?? fallback
    if (typeof v !== 'boolean') throw badConfig(this.strategy, `${key} must be true or false, got ${JSON.stringify(v)}.`, { field: key })
    return v
  }

  /** A scalars object or a function of the round; an empty config when absent. */
  roundConfig(key: string): RoundConfig {
    const v = this.value(key)
    if (v === undefined) return {}
    if (typeof v === 'function') return v as (round: number) => Scalars
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badConfig(this.strategy, `${key} must be an object of numbers, strings and booleans.`, { field: key })
    for (const [k, x] of Object.entries(v)) {
      if (!['number', 'string', 'boolean'].includes(typeof x)) throw badConfig(this.strategy, `${key}.${k} must be a number, string or boolean.`, { field: `${key}.${k}` })
    }
    return v as Scalars
  }
}

/** FL_BAD_CONFIG when `options` has a key outside `known` (a misspelt option would otherwise be ignored). */
export function checkKnownKeys(strategy: string, options: object, known: readonly string[]): void {
  const unknown = Object.keys(options).filter((k) => !known.includes(k))
  if (unknown.length > 0) throw badConfig(strategy, `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known: ${known.join(', ')}.`, { unknown })
}
