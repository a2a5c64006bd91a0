import { describe, expect, it } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import { amountProblem, formatTokens, formatUnits, MAX_AMOUNT, parseTokens, parseUnits, UNITS_PER_TOKEN } from '../src/index.js'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return e instanceof W3aiError ? e.code : 'not a W3aiError'
  }
  return undefined
}

describe('amounts', () => {
  it('parses tokens with up to 18 decimals into units', () => {
    expect(parseTokens('1.5')).toBe(1_500_000_000_000_000_000n)
    expect(parseTokens('1')).toBe(UNITS_PER_TOKEN)
    expect(parseTokens('0.000000000000000001')).toBe(1n)
    expect(parseTokens('123456789.123456789123456789')).toBe(123456789123456789123456789n)
    expect(parseTokens('0')).toBe(0n)
  })

  it('formats units as the shortest exact token string, and round-trips', () => {
    expect(formatTokens(1_500_000_000_000_000_000n)).toBe('1.5')
    expect(formatTokens(2n * UNITS_PER_TOKEN)).toBe('2')
    expect(formatTokens(1n)).toBe('0.000000000000000001')
    expect(formatTokens(0n)).toBe('0')
    expect(formatTokens(-1_500_000_000_000_000_000n)).toBe('-1.5')
    for (const text of ['0.1', '42', '7.000000000000000007', '170141183460469231731.687303715884105727']) expect(formatTokens(parseTokens(text))).toBe(text)
    for (const units of [1n, 10n ** 18n - 1n, 10n ** 18n + 1n, MAX_AMOUNT]) expect(parseTokens(formatTokens(units))).toBe(units)
  })

  it('parses and formats wire units (decimal strings)', () => {
    expect(parseUnits('1500000000000000000')).toBe(1_500_000_000_000_000_000n)
    expect(parseUnits(MAX_AMOUNT.toString())).toBe(MAX_AMOUNT)
    expect(formatUnits(MAX_AMOUNT)).toBe('170141183460469231731687303715884105727')
  })

  it('refuses signs, exponents, more than 18 decimals and anything but digits: LEDGER_BAD_AMOUNT', () => {
    for (const text of ['-1', '+1', '1e3', '1.', '.5', '1.0000000000000000001', '', ' 1', '1,5', '0x10', 'NaN', 'Infinity', '１']) {
      expect(codeOf(() => parseTokens(text)), text).toBe('LEDGER_BAD_AMOUNT')
    }
    for (const text of ['-1', '1.5', '1e3', '', '+1']) expect(codeOf(() => parseUnits(text)), text).toBe('LEDGER_BAD_AMOUNT')
    expect(codeOf(() => parseTokens(1.5 as unknown as string))).toBe('LEDGER_BAD_AMOUNT')
  })

  it('refuses amounts beyond 2^127 - 1 units: LEDGER_AMOUNT_OVERFLOW', () => {
    expect(codeOf(() => parseUnits((MAX_AMOUNT + 1n).toString()))).toBe('LEDGER_AMOUNT_OVERFLOW')
    expect(codeOf(() => parseUnits('9'.repeat(60)))).toBe('LEDGER_AMOUNT_OVERFLOW')
    expect(codeOf(() => parseTokens('170141183460469231731.687303715884105728'))).toBe('LEDGER_AMOUNT_OVERFLOW')
  })

  it('says which transfer amounts are refused: zero, negative, not a bigint, too large', () => {
    expect(amountProblem(1n)).toBeNull()
    expect(amountProblem(MAX_AMOUNT)).toBeNull()
    expect(amountProblem(0n)).toBe('LEDGER_BAD_AMOUNT')
    expect(amountProblem(-5n)).toBe('LEDGER_BAD_AMOUNT')
    expect(amountProblem(5)).toBe('LEDGER_BAD_AMOUNT')
    expect(amountProblem(MAX_AMOUNT + 1n)).toBe('LEDGER_AMOUNT_OVERFLOW')
  })

  it('is importable on its own as @w3ai/ledger/amount (for the web app, without the engine)', async () => {
    const amount = await import('@w3ai/ledger/amount')
    expect(amount.parseTokens).toBe(parseTokens)
    expect(amount.formatTokens(amount.parseTokens('1.5'))).toBe('1.5')
  })
})
