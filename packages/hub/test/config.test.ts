import { describe, expect, it } from 'vitest'
import { createHub, HUB_DEFAULTS, HubConfigError, loadConfig } from '../src/index.js'

/** Configuration is read once, from options then the environment, validated and frozen. */
describe('hub configuration', () => {
  it('takes defaults, then the environment, then options, and freezes the result', () => {
    const none = loadConfig({ home: '/tmp/x', env: {} })
    expect(none.compute.leaseMs).toBe(HUB_DEFAULTS.taskLeaseMs)
    expect(none.storage.repairGraceMs).toBe(HUB_DEFAULTS.repairGraceMs)
    const env = { W3AI_TASK_LEASE_MS: '5000', W3AI_SPOT_CHECK_RATE: '0', W3AI_STORAGE_REPAIR_GRACE_MS: '2000' }
    const fromEnv = loadConfig({ home: '/tmp/x', env })
    expect([fromEnv.compute.leaseMs, fromEnv.compute.spotCheckRate, fromEnv.storage.repairGraceMs]).toEqual([5000, 0, 2000])
    const given = loadConfig({ home: '/tmp/x', env, compute: { leaseMs: 700 }, storage: { repairGraceMs: 10 } })
    expect([given.compute.leaseMs, given.storage.repairGraceMs]).toEqual([700, 10])
    expect(Object.isFrozen(given) && Object.isFrozen(given.compute) && Object.isFrozen(given.storage)).toBe(true)
  })

  it.each([
    [{ env: { W3AI_TASK_LEASE_MS: 'soon' } }, 'W3AI_TASK_LEASE_MS'],
    [{ env: { W3AI_SPOT_CHECK_RATE: '1.5' } }, 'W3AI_SPOT_CHECK_RATE'],
    [{ env: { W3AI_STORAGE_AUDIT_INTERVAL_MS: '-1' } }, 'W3AI_STORAGE_AUDIT_INTERVAL_MS'],
    [{ env: { W3AI_STORAGE_QUOTA_BYTES: '1e400' } }, 'W3AI_STORAGE_QUOTA_BYTES'],
    [{ port: 70000 }, 'port'],
    [{ heartbeatIntervalMs: 0 }, 'heartbeatIntervalMs'],
    [{ compute: { spotCheckRate: Number.NaN } }, 'compute.spotCheckRate'],
    [{ logLevel: 'loud' }, 'logLevel'],
    [{ databaseUrl: 'mysql://x' }, 'databaseUrl'],
  ])('refuses %j at start, naming %s', (options, name) => {
    const attempt = () => createHub({ home: '/tmp/x', env: {}, ...options })
    expect(attempt).toThrow(HubConfigError)
    expect(attempt).toThrow(name)
  })
})
