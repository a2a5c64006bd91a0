/**
 * Token amounts in the page. The wire carries units (1 token = 10^18 units) as decimal strings;
 * people read and type tokens. Same rules as @w3ai/ledger's parseTokens/formatTokens (that package
 * brings the verifier and node crypto, so the page keeps its own few lines): exact bigint
 * arithmetic, at most 18 decimals, no sign or exponent.
 */

export const DECIMALS = 18
export const UNITS_PER_TOKEN = 10n ** 18n
/** The largest amount the ledger takes: 2^127 − 1 units. */
export const MAX_UNITS = 2n ** 127n - 1n

const TOKENS = /^(\d+)(?:\.(\d{1,18}))?$/

/** Units (bigint or a decimal string, maybe negative) → the exact token amount: "1.5", "2", "0.000000000000000001". */
export function formatTokens(units: bigint | string): string {
  const u = typeof units === 'bigint' ? units : BigInt(units)
  const abs = u < 0n ? -u : u
  const frac = (abs % UNITS_PER_TOKEN).toString().padStart(DECIMALS, '0').replace(/0+$/, '')
  return `${u < 0n ? '-' : ''}${groupThousands((abs / UNITS_PER_TOKEN).toString())}${frac ? '.' + frac : ''}`
}

/** At most `digits` decimals, for tables and axes where the last unit does not matter ("1,234.57"). */
export function formatTokensShort(units: bigint | string, digits = 4): string {
  const u = typeof units === 'bigint' ? units : BigInt(units)
  const step = 10n ** BigInt(DECIMALS - digits)
  const rounded = u < 0n ? -((-u + step / 2n) / step) * step : ((u + step / 2n) / step) * step
  const text = formatTokens(rounded)
  return rounded === 0n && u !== 0n ? `${u < 0n ? '-' : ''}<${formatTokens(step)}` : text
}

/** Tokens typed by a person → units, or a reason it is not an amount. Zero is refused: nothing to send. */
export function parseTokens(text: string): { units: bigint } | { error: string } {
  const m = TOKENS.exec(text.trim())
  if (m === null) return { error: 'Type tokens like 2.5: digits, at most 18 decimals, no sign.' }
  const units = BigInt(m[1] as string) * UNITS_PER_TOKEN + BigInt((m[2] ?? '').padEnd(DECIMALS, '0'))
  if (units === 0n) return { error: 'Send more than zero tokens.' }
  if (units > MAX_UNITS) return { error: 'That is more than the ledger can hold (2^127 − 1 units).' }
  return { units }
}

/** Units as a float number of tokens, for chart geometry only (never for amounts shown as text). */
export function tokensNumber(units: bigint): number {
  return Number(units / 10n ** 9n) / 1e9
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}
