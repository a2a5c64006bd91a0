/**
 * Item-to-item collaborative filtering (the approach Amazon described in 2003): two items are
 * similar when the same customers bought both, by the cosine of their buyer sets. A customer's
 * score for an item is the sum of its similarities to what they bought, x · S with x their 0/1
 * purchase vector: one matrix product, which is what the served ONNX model computes. The popularity
 * baseline scores every item by how often it was bought.
 */
import type { Purchase } from './history.js'

export interface SimilarityOptions {
  /** Keep only each item's this many most similar items (0 keeps all): less noise, a sparser S. */
  neighbours?: number
}

/** Each user's distinct items, in first-purchase order. */
export function baskets(purchases: readonly Purchase[], users: number): number[][] {
  const out: number[][] = Array.from({ length: users }, () => [])
  const seen = new Set<number>()
  for (const { user, item } of purchases) {
    const key = user * 0x100000 + item
    if (seen.has(key)) continue
    seen.add(key)
    out[user]?.push(item)
  }
  return out
}

/**
 * The item-item cosine similarity S (items × items, row-major, zero diagonal): S[i][j] =
 * co(i, j) / sqrt(n(i) n(j)), with co the customers who bought both and n the buyers of each. With
 * `neighbours`, row i keeps its top entries only, so S[i][j] is what buying i says about j.
 */
export function itemSimilarity(purchases: readonly Purchase[], users: number, items: number, options: SimilarityOptions = {}): Float32Array {
  const co = new Float64Array(items * items)
  const buyers = new Float64Array(items)
  for (const basket of baskets(purchases, users)) {
    for (const i of basket) {
      buyers[i]! += 1
      for (const j of basket) if (i !== j) co[i * items + j]! += 1
    }
  }
  const S = new Float32Array(items * items)
  for (let i = 0; i < items; i++) {
    for (let j = 0; j < items; j++) {
      const c = co[i * items + j] as number
      if (c > 0) S[i * items + j] = c / Math.sqrt((buyers[i] as number) * (buyers[j] as number))
    }
  }
  const keep = options.neighbours ?? 0
  if (keep > 0 && keep < items - 1) {
    for (let i = 0; i < items; i++) {
      const row = S.subarray(i * items, (i + 1) * items)
      const threshold = [...row].sort((a, b) => b - a)[keep - 1] as number
      // Ties at the threshold are kept: dropping some of equal items would depend on their order.
      for (let j = 0; j < items; j++) if ((row[j] as number) < threshold) row[j] = 0
    }
  }
  return S
}

/** How often each item was bought. */
export function popularity(purchases: readonly Purchase[], items: number): Float64Array {
  const counts = new Float64Array(items)
  for (const { item } of purchases) counts[item]! += 1
  return counts
}

/** A customer's scores for every item: x · S for their basket x, summed in float32 like the served model. */
export function scoreBasket(S: Float32Array, items: number, basket: readonly number[]): Float32Array {
  const scores = new Float32Array(items)
  for (const i of basket) {
    const row = S.subarray(i * items, (i + 1) * items)
    for (let j = 0; j < items; j++) scores[j]! += row[j] as number
  }
  return scores
}
