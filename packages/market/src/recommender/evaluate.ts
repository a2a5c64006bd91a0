/**
 * Offline evaluation on held-out purchases: recall@k is the share of held-out purchases that appear
 * in the customer's top k, where the top k leaves out what the customer already bought (a shop does
 * not recommend those again).
 */
import type { Purchase } from './history.js'

/** The `k` highest-scoring items not in `exclude`, best first; ties go to the lower index. */
export function topK(scores: ArrayLike<number>, k: number, exclude: ReadonlySet<number> = new Set()): number[] {
  const best: number[] = []
  for (let j = 0; j < scores.length; j++) {
    if (exclude.has(j)) continue
    const s = scores[j] as number
    if (best.length === k && s <= (scores[best[k - 1] as number] as number)) continue
    let at = best.length
    while (at > 0 && s > (scores[best[at - 1] as number] as number)) at--
    best.splice(at, 0, j)
    if (best.length > k) best.pop()
  }
  return best
}

/** Scores every item for a customer from their training basket. */
export type Scorer = (basket: readonly number[], user: number) => ArrayLike<number>

/** recall@k of `score` on `test`, given each user's training `baskets`. */
export function recallAtK(score: Scorer, baskets: readonly (readonly number[])[], test: readonly Purchase[], k: number): number {
  const heldOut = new Map<number, number[]>()
  for (const { user, item } of test) heldOut.set(user, [...(heldOut.get(user) ?? []), item])
  let hits = 0
  let total = 0
  for (const [user, items] of heldOut) {
    const basket = baskets[user] ?? []
    const top = new Set(topK(score(basket, user), k, new Set(basket)))
    for (const item of items) {
      total++
      if (top.has(item)) hits++
    }
  }
  return total === 0 ? 0 : hits / total
}
