/**
 * Result verification: replicas of a job ran on distinct nodes; their results must agree, bitwise
 * (same canonical JSON) or within a numeric tolerance. A majority settles a disagreement; the
 * nodes outside it lose reputation.
 */
import { createHash } from 'node:crypto'

export function resultDigest(result: unknown): string {
  return createHash('sha256').update(canonical(result)).digest('hex')
}

/** JSON with object keys sorted at every level, so equal results hash equally. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** Two results agree when they have the same shape and every number is within `tolerance`. */
export function agree(a: unknown, b: unknown, tolerance: number): boolean {
  if (tolerance === 0) return canonical(a) === canonical(b)
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= tolerance || (Number.isNaN(a) && Number.isNaN(b))
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => agree(x, b[i], tolerance))
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a as object).sort()
    const kb = Object.keys(b as object).sort()
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && agree((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tolerance))
  }
  return a === b
}

export interface Vote<T> {
  nodeId: string
  result: T
}

/** Groups results that agree; the verdict is the group holding a strict majority of at least two. */
export function verdict<T>(votes: Array<Vote<T>>, tolerance: number): { winners: Array<Vote<T>>; losers: Array<Vote<T>> } | undefined {
  const groups: Array<Array<Vote<T>>> = []
  for (const v of votes) {
    const g = groups.find((members) => agree(members[0]!.result, v.result, tolerance))
    if (g === undefined) groups.push([v])
    else g.push(v)
  }
  const best = groups.sort((x, y) => y.length - x.length)[0]
  if (best === undefined) return undefined
  if (votes.length === 1) return { winners: best, losers: [] }
  if (best.length < 2 || best.length * 2 <= votes.length) return undefined
  return { winners: best, losers: votes.filter((v) => !best.includes(v)) }
}
