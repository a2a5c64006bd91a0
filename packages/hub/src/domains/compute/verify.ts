/**
 * Result verification: replicas of a job ran on distinct nodes; their results must agree, as the
 * executor's descriptor compares them (its deterministic part, exactly or within the job's
 * tolerance). A majority settles a disagreement; the nodes outside it lose reputation.
 */
import { createHash } from 'node:crypto'
import { canonicalJson } from '@w3ai/crypto'

/** SHA-256 of the RFC 8785 canonical JSON: equal results hash equally whatever their key order. */
export function resultDigest(result: unknown): string {
  return createHash('sha256').update(canonicalJson(result ?? null)).digest('hex')
}

export interface Vote<T> {
  nodeId: string
  result: T
}

/** Whether two results agree (the executor descriptor's compare, with the job's tolerance bound in). */
export type Agree<T> = (a: T, b: T) => boolean

/** Groups results that agree; the verdict is the group holding a strict majority of at least two. */
export function verdict<T>(votes: Array<Vote<T>>, agree: Agree<T>): { winners: Array<Vote<T>>; losers: Array<Vote<T>> } | undefined {
  const groups: Array<Array<Vote<T>>> = []
  for (const v of votes) {
    const g = groups.find((members) => agree(members[0]!.result, v.result))
    if (g === undefined) groups.push([v])
    else g.push(v)
  }
  const best = groups.sort((x, y) => y.length - x.length)[0]
  if (best === undefined) return undefined
  if (votes.length === 1) return { winners: best, losers: [] }
  if (best.length < 2 || best.length * 2 <= votes.length) return undefined
  return { winners: best, losers: votes.filter((v) => !best.includes(v)) }
}

/** Distinct results among the votes (how many ways the replicas disagreed). */
export function distinctResults<T>(votes: Array<Vote<T>>, agree: Agree<T>): number {
  const reps: T[] = []
  for (const v of votes) if (!reps.some((r) => agree(r, v.result))) reps.push(v.result)
  return reps.length
}
