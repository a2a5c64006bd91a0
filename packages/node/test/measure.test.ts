import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CpuSampler, DiskUsageTracker, cpuPercentBetween, directorySize, machineDefaults, scaledMemoryUsedGb, totalCpuTimes, type CpuTimes } from '../src/index.js'

const core = (busy: number, idle: number): { times: CpuTimes } => ({ times: { user: busy, nice: 0, sys: 0, irq: 0, idle } })

describe('cpu measurement', () => {
  it('sums busy and total time over all cores', () => {
    expect(totalCpuTimes([core(10, 90), { times: { user: 1, nice: 2, sys: 3, irq: 4, idle: 0 } }])).toEqual({ busy: 20, total: 110 })
  })

  it('reports whole-machine use between two samples', () => {
    expect(cpuPercentBetween({ busy: 0, total: 0 }, { busy: 25, total: 100 })).toBe(25)
    expect(cpuPercentBetween({ busy: 5, total: 10 }, { busy: 5, total: 10 })).toBe(0)
  })

  it('samples deltas since the previous sample, not since boot', () => {
    let cpus = [core(1000, 1000), core(1000, 1000)]
    const sampler = new CpuSampler(() => cpus)
    cpus = [core(1100, 1000), core(1000, 1100)]
    expect(sampler.sample()).toBe(50)
    cpus = [core(1100, 1200), core(1000, 1300)]
    expect(sampler.sample()).toBe(0)
  })

  it('gives a plausible value for this machine', () => {
    const sampler = new CpuSampler()
    const pct = sampler.sample()
    expect(pct).toBeGreaterThanOrEqual(0)
    expect(pct).toBeLessThanOrEqual(100)
  })
})

describe('memory measurement', () => {
  it('applies the machine used fraction to the offered memory', () => {
    expect(scaledMemoryUsedGb(16, 4, 8)).toBe(6)
    expect(scaledMemoryUsedGb(16, 16, 8)).toBe(0)
    expect(scaledMemoryUsedGb(0, 0, 8)).toBe(0)
  })
})

describe('disk measurement', () => {
  const dirs: string[] = []
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))

  it('counts bytes of files in nested directories', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'w3ai-size-'))
    dirs.push(dir)
    await mkdir(join(dir, 'a', 'b'), { recursive: true })
    await writeFile(join(dir, 'one'), Buffer.alloc(1000))
    await writeFile(join(dir, 'a', 'b', 'two'), Buffer.alloc(2345))
    expect(await directorySize(dir)).toBe(3345)
    expect(await directorySize(join(dir, 'missing'))).toBe(0)
    expect(await directorySize(dir, new Set([join(dir, 'a')]))).toBe(1000)
  })

  it('caches the size and re-measures only after the interval', async () => {
    let now = 0
    let calls = 0
    const tracker = new DiskUsageTracker('/x', 5000, () => now, async () => {
      calls++
      return 2 * 1024 ** 3
    })
    await tracker.refresh()
    expect(tracker.usedGb()).toBe(2)
    now = 4999
    tracker.usedGb()
    expect(calls).toBe(1)
    now = 5000
    tracker.usedGb()
    await tracker.refresh()
    expect(calls).toBe(2)
  })

  it('takes machine defaults from the real machine', async () => {
    const m = await machineDefaults(tmpdir())
    expect(m.cpuCores).toBeGreaterThan(0)
    expect(m.memoryGb).toBeGreaterThan(0)
    expect(m.diskGb).toBeGreaterThanOrEqual(0)
  })
})
