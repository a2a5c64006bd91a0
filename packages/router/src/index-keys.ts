/**
 * Keys of the placement index: executor lanes, status codes, regions and resource classes (GPU
 * class × memory tier), by which index-store.ts files nodes into buckets.
 */
import { EXECUTORS, type Executor, type NodeStatus } from '@w3ai/protocol'
import type { Bucket } from './bucket.js'
import { GPU_CLASS_BOUNDS, MEMORY_TIERS, MEMORY_TIER_BOUNDS, RESOURCE_CLASSES } from './constants.js'

/** Number of executors, and their bit / bucket index by name. */
export const EXECUTOR_COUNT = EXECUTORS.length
const EXECUTOR_INDEX = new Map<string, number>(EXECUTORS.map((e, i) => [e, i]))
export function executorIndex(executor: Executor | string): number {
  return EXECUTOR_INDEX.get(executor) ?? -1
}

/** Bucket memberships per slot: one per executor in its region, one per executor in the world. */
export const LANES = 2 * EXECUTOR_COUNT

export function newRegion(id: number, name: string): Region {
  return { id, name, buckets: new Array<Bucket | undefined>(EXECUTOR_COUNT * RESOURCE_CLASSES).fill(undefined), sx: 0, sy: 0, sz: 0, count: 0 }
}

export const STATUS_ONLINE = 0
export const STATUS_CODES: Record<NodeStatus, number> = { online: 0, suspect: 1, offline: 2 }
export const STATUS_NAMES: NodeStatus[] = ['online', 'suspect', 'offline']
export const STATUS_FREE = 255

export interface Region {
  readonly id: number
  readonly name: string
  /** Buckets by executor * RESOURCE_CLASSES + resource class, created on first use. */
  readonly buckets: Array<Bucket | undefined>
  /** Sum of member unit vectors (all statuses): its direction is the region's centroid. */
  sx: number
  sy: number
  sz: number
  count: number
}

/** GPU class of a node by its largest GPU: 0 none, then by GPU_CLASS_BOUNDS. */
export function gpuClassOf(gpuCount: number, maxGpuMemoryGb: number): number {
  if (gpuCount === 0) return 0
  let c = 0
  while (c < GPU_CLASS_BOUNDS.length && maxGpuMemoryGb >= GPU_CLASS_BOUNDS[c]!) c++
  return c + 1
}

/** Memory tier of a node by offered memory. */
export function memoryTierOf(memoryGb: number): number {
  let t = 0
  while (t < MEMORY_TIER_BOUNDS.length && memoryGb >= MEMORY_TIER_BOUNDS[t]!) t++
  return t
}

export function resourceClassOf(gpuClass: number, memoryTier: number): number {
  return gpuClass * MEMORY_TIERS + memoryTier
}

/** A copy of `arr` grown to `size` (new entries 0, or `fill`). */
export function grow<T extends Int32Array | Uint8Array | Uint16Array | Uint32Array | Float64Array>(arr: T, size: number, fill?: number): T {
  const next = new (arr.constructor as new (n: number) => T)(size)
  next.set(arr)
  if (fill !== undefined) next.fill(fill, arr.length)
  return next
}
