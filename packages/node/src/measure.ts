/**
 * Measurements of the real machine, scaled to the share a node offers. Every function takes its
 * OS source as an argument so tests can feed known numbers.
 */
import { lstat, readdir, statfs } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { BYTES_PER_GB } from './constants.js'

export interface CpuTimes {
  user: number
  nice: number
  sys: number
  idle: number
  irq: number
}

/** Sums per-core times so one delta covers the whole machine. */
export function totalCpuTimes(cpus: ReadonlyArray<{ times: CpuTimes }>): { busy: number; total: number } {
  let busy = 0
  let total = 0
  for (const { times } of cpus) {
    const b = times.user + times.nice + times.sys + times.irq
    busy += b
    total += b + times.idle
  }
  return { busy, total }
}

/** Whole-machine CPU use between two samples, 0..100. */
export function cpuPercentBetween(prev: { busy: number; total: number }, next: { busy: number; total: number }): number {
  const total = next.total - prev.total
  if (total <= 0) return 0
  return clamp(((next.busy - prev.busy) / total) * 100, 0, 100)
}

/** Keeps the previous sample so each call reports use since the last one. */
export class CpuSampler {
  private last: { busy: number; total: number }

  constructor(private readonly source: () => ReadonlyArray<{ times: CpuTimes }> = os.cpus) {
    this.last = totalCpuTimes(source())
  }

  sample(): number {
    const next = totalCpuTimes(this.source())
    const pct = cpuPercentBetween(this.last, next)
    this.last = next
    return round2(pct)
  }
}

/** The machine's used-memory fraction applied to the memory this node offers. */
export function scaledMemoryUsedGb(totalBytes: number, freeBytes: number, offeredGb: number): number {
  if (totalBytes <= 0) return 0
  const usedFraction = clamp(1 - freeBytes / totalBytes, 0, 1)
  return round2(usedFraction * offeredGb)
}

/**
 * Bytes in regular files under `dir`, not following links; vanished entries count as 0, and
 * directories in `skip` (absolute paths) are left out.
 */
export async function directorySize(dir: string, skip: ReadonlySet<string> = new Set()): Promise<number> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return 0
  }
  let size = 0
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (!skip.has(path)) size += await directorySize(path, skip)
    }
    else if (entry.isFile()) {
      try {
        size += (await lstat(path)).size
      } catch {
        // deleted between readdir and lstat
      }
    }
  }
  return size
}

/** Caches the home's size and re-measures it in the background at most every `intervalMs`. */
export class DiskUsageTracker {
  private bytes = 0
  private scanning: Promise<void> | undefined
  private lastScanAt = -Infinity

  constructor(
    private readonly dir: string,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
    private readonly measure: (dir: string) => Promise<number> = directorySize,
  ) {}

  /** Measures now; resolves when the cached value is fresh. */
  refresh(): Promise<void> {
    this.scanning ??= this.measure(this.dir)
      .then((bytes) => {
        this.bytes = bytes
      })
      .catch(() => undefined)
      .finally(() => {
        this.lastScanAt = this.now()
        this.scanning = undefined
      })
    return this.scanning
  }

  /** The cached size in bytes; starts a background refresh when the cache is stale. */
  usedBytes(): number {
    if (this.now() - this.lastScanAt >= this.intervalMs) void this.refresh()
    return this.bytes
  }

  /** The cached size in GB; starts a background refresh when the cache is stale. */
  usedGb(): number {
    return bytesToGb(this.usedBytes())
  }
}

/** Defaults for the offered resources when the operator does not give them. */
export interface MachineShare {
  cpuCores: number
  memoryGb: number
  diskGb: number
}

export async function machineDefaults(home: string): Promise<MachineShare> {
  const fs = await statfs(home)
  return {
    cpuCores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    memoryGb: round2(os.totalmem() / BYTES_PER_GB),
    diskGb: round2((Number(fs.bavail) * Number(fs.bsize)) / BYTES_PER_GB),
  }
}

/** Bytes as GB (GiB) rounded to hundredths, the unit of heartbeats. */
export function bytesToGb(bytes: number): number {
  return round2(bytes / BYTES_PER_GB)
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x))
}

function round2(x: number): number {
  return Math.round(x * 100) / 100
}
