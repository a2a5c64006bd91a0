/**
 * Amounts: whole units as bigint, never floats. 1 token = 10^18 units; the wire carries units as
 * decimal strings ("1500000000000000000"), people type tokens ("1.5").
 */
import { W3aiError } from '@w3ai/protocol'

export const DECIMALS = 18
export const UNITS_PER_TOKEN = 10n ** 18n
/** The largest amount and the largest account sum: 2^127 − 1 units (fits NUMERIC(39,0)). */
export const MAX_AMOUNT = 2n ** 127n - 1n

const TOKENS = /^(\d+)(?:\.(\d{1,18}))?$/
const UNITS = /^\d+$/

function bounded(units: bigint, text: string): bigint {
  if (units > MAX_AMOUNT) throw new W3aiError('LEDGER_AMOUNT_OVERFLOW', `${text} is more than 2^127 - 1 units`)
  return units
}

/** Tokens as people write them ("1.5", "0.000000000000000001", "42") → units; zero is allowed here. */
export function parseTokens(text: string): bigint {
  const m = typeof text === 'string' && text.length <= 80 ? TOKENS.exec(text) : null
  if (!m) throw new W3aiError('LEDGER_BAD_AMOUNT', `"${String(text).slice(0, 80)}" is not an amount of tokens (digits, at most 18 decimals, no sign or exponent)`)
  const whole = BigInt(m[1] as string)
  const frac = BigInt((m[2] ?? '').padEnd(DECIMALS, '0'))
  return bounded(whole * UNITS_PER_TOKEN + frac, text)
}

/** Units → tokens, shortest exact form ("1.5", "2", "0.000000000000000001"); negative amounts keep their sign. */
export function formatTokens(units: bigint): string {
  const sign = units < 0n ? '-' : ''
  const abs = units < 0n ? -units : units
  const whole = abs / UNITS_PER_TOKEN
  const frac = (abs % UNITS_PER_TOKEN).toString().padStart(DECIMALS, '0').replace(/0+$/, '')
  return sign + whole.toString() + (frac ? '.' + frac : '')
}

/** A wire amount (a decimal string of units) → units; zero is allowed here. */
export function parseUnits(text: string): bigint {
  if (typeof text !== 'string' || text.length > 80 || !UNITS.test(text)) {
    throw new W3aiError('LEDGER_BAD_AMOUNT', `"${String(text).slice(0, 80)}" is not a whole number of units (a decimal string of digits)`)
  }
  return bounded(BigInt(text), text)
}

/** Units → the wire's decimal string. */
export function formatUnits(units: bigint): string {
  return units.toString()
}

/** The code that refuses `amount` as a transfer amount, or null when 1 ≤ amount ≤ MAX_AMOUNT. */
export function amountProblem(amount: unknown): 'LEDGER_BAD_AMOUNT' | 'LEDGER_AMOUNT_OVERFLOW' | null {
  if (typeof amount !== 'bigint' || amount <= 0n) return 'LEDGER_BAD_AMOUNT'
  return amount > MAX_AMOUNT ? 'LEDGER_AMOUNT_OVERFLOW' : null
}
