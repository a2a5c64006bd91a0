import { W3aiError } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import {
  defaultParameters,
  formatParameterValue,
  NETWORK_PARAMETERS,
  PARAMETER_NAMES,
  parameterRuleProblem,
  parseChange,
  readParameterValues,
  withChanges,
} from '../src/parameters.js'

const codeOf = (fn: () => unknown): string => {
  try {
    fn()
    return 'returned'
  } catch (err) {
    return err instanceof W3aiError ? err.code : String(err)
  }
}

describe('network parameters', () => {
  it('lists every governed parameter of issue 11 with a default inside its bounds and a doc', () => {
    for (const name of [
      'feeRateBps', 'burnShareBps', 'treasuryShareBps', 'storagePricePerGiBHourMin', 'storagePricePerGiBHourMax', 'egressPricePerGiBMin', 'egressPricePerGiBMax',
      'computePricePerTaskSecondCpuMin', 'computePricePerTaskSecondCpuMax', 'computePricePerTaskSecondGpuMin', 'computePricePerTaskSecondGpuMax',
      'servingPricePerCallMin', 'servingPricePerCallMax', 'storageRewardPerGiBEpoch', 'computeRewardShareBps', 'defaultRedundancyK', 'defaultRedundancyN',
      'verificationShareBps', 'minimumStake', 'slashAuditBps', 'slashWrongResultBps', 'unbondingMs', 'quorumBps', 'thresholdBps', 'votingDelayMs', 'votingPeriodMs', 'timelockMs',
    ]) expect(PARAMETER_NAMES).toContain(name)
    for (const name of PARAMETER_NAMES) {
      const spec = NETWORK_PARAMETERS[name]
      expect(spec.doc.length).toBeGreaterThan(10)
      expect(BigInt(spec.min) <= BigInt(spec.default) && BigInt(spec.default) <= BigInt(spec.max)).toBe(true)
      expect(typeof spec.default).toBe(spec.kind === 'units' ? 'bigint' : 'number')
      if (spec.kind === 'share') expect(spec.max).toBeLessThanOrEqual(10_000)
    }
    expect(parameterRuleProblem(defaultParameters())).toBeNull()
  })

  it('parses wire values into typed ones: numbers for shares, periods and counts, bigint for amounts', () => {
    expect(parseChange('burnShareBps', '2500')).toEqual({ name: 'burnShareBps', value: 2500 })
    expect(parseChange('minimumStake', '170141183460469231731687303715884105727')).toEqual({ name: 'minimumStake', value: 2n ** 127n - 1n })
    expect(parseChange('votingPeriodMs', '100')).toEqual({ name: 'votingPeriodMs', value: 100 })
    expect(formatParameterValue(2n ** 100n)).toBe((2n ** 100n).toString())
    expect(formatParameterValue(2500)).toBe('2500')
  })

  it('refuses unknown names, malformed values and values out of bounds with GOV_BAD_PARAMETER naming the parameter', () => {
    for (const [name, value] of [
      ['noSuchParameter', '1'],
      ['__proto__', '1'],
      ['burnShareBps', '10001'],
      ['burnShareBps', '-1'],
      ['burnShareBps', '1.5'],
      ['burnShareBps', '1e3'],
      ['burnShareBps', ''],
      ['burnShareBps', '007'],
      ['thresholdBps', '4999'],
      ['defaultRedundancyN', '65'],
      ['minimumStake', '170141183460469231731687303715884105728'],
      ['votingPeriodMs', '99'],
    ] as const) expect(codeOf(() => parseChange(name, value)), `${name}=${value}`).toBe('GOV_BAD_PARAMETER')
    expect(codeOf(() => parseChange('burnShareBps', 2500))).toBe('GOV_BAD_PARAMETER')
    try {
      parseChange('burnShareBps', '10001')
    } catch (err) {
      expect((err as W3aiError).message).toContain('burnShareBps')
      expect((err as W3aiError).details).toMatchObject({ name: 'burnShareBps', min: '0', max: '10000' })
    }
  })

  it('applies changes that keep the rules, and refuses those that break them or name a parameter twice', () => {
    const now = defaultParameters()
    expect(withChanges(now, [parseChange('burnShareBps', '2500')]).burnShareBps).toBe(2500)
    expect(now.burnShareBps).toBe(2000)
    // The fee split must fit in the fee.
    expect(codeOf(() => withChanges(now, [parseChange('burnShareBps', '6000'), parseChange('treasuryShareBps', '4001')]))).toBe('GOV_BAD_PARAMETER')
    expect(withChanges(now, [parseChange('burnShareBps', '6000'), parseChange('treasuryShareBps', '4000')]).treasuryShareBps).toBe(4000)
    // A minimum may not pass its maximum, k must stay below n.
    expect(codeOf(() => withChanges(now, [parseChange('egressPricePerGiBMin', (10n ** 18n).toString())]))).toBe('GOV_BAD_PARAMETER')
    expect(codeOf(() => withChanges(now, [parseChange('defaultRedundancyK', '6')]))).toBe('GOV_BAD_PARAMETER')
    expect(codeOf(() => withChanges(now, [parseChange('feeRateBps', '1'), parseChange('feeRateBps', '2')]))).toBe('GOV_BAD_PARAMETER')
  })

  it('reads stored values, taking the default for a parameter not stored yet', () => {
    const v = readParameterValues({ burnShareBps: '2500', minimumStake: '5' })
    expect(v.burnShareBps).toBe(2500)
    expect(v.minimumStake).toBe(5n)
    expect(v.feeRateBps).toBe(NETWORK_PARAMETERS.feeRateBps.default)
  })
})
