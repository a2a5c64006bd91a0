/**
 * A seeded generator of a shop's purchase history, so the recommender app can be tried, and its
 * card's figures reproduced, without anyone's real data. The shop sells items in categories;
 * categories and the items within each are skewed in popularity (Zipf-like, as sales are); each
 * customer cares for a few categories and buys mostly there, sometimes on impulse from the shop's
 * best sellers. The same options give the same history everywhere.
 */
import { seededRandom, type Random } from '@w3ai/util'
import type { Purchase, PurchaseHistory } from './history.js'

export interface ShopOptions {
  seed?: number
  users?: number
  items?: number
  categories?: number
  /** Purchases per user: uniform in min..max. */
  minPurchases?: number
  maxPurchases?: number
  /** The share of purchases made within the user's favourite categories. */
  focus?: number
}

export const SHOP_DEFAULTS = { seed: 1, users: 1000, items: 300, categories: 12, minPurchases: 4, maxPurchases: 16, focus: 0.85 } as const

export interface Shop extends PurchaseHistory {
  categories: number
  /** The category of each item. */
  itemCategory: Int32Array
}

/** A sampler over fixed weights (cumulative sums, binary search). */
function sampler(weights: ArrayLike<number>, random: Random): () => number {
  const cumulative = new Float64Array(weights.length)
  let sum = 0
  for (let i = 0; i < weights.length; i++) cumulative[i] = sum += weights[i] as number
  return () => {
    const target = random() * sum
    let lo = 0
    let hi = cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((cumulative[mid] as number) > target) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}

const zipf = (n: number, s: number) => Float64Array.from({ length: n }, (_, rank) => 1 / (rank + 1) ** s)

/** Generates a shop's history; see SHOP_DEFAULTS. */
export function generateShop(options: ShopOptions = {}): Shop {
  const o = { ...SHOP_DEFAULTS, ...options }
  if (o.users < 1 || o.items < o.categories || o.categories < 1 || o.minPurchases < 1 || o.maxPurchases < o.minPurchases) {
    throw new RangeError('generateShop: need users ≥ 1, 1 ≤ categories ≤ items, 1 ≤ minPurchases ≤ maxPurchases')
  }
  const random = seededRandom(o.seed)
  const itemCategory = new Int32Array(o.items)
  const inCategory: number[][] = Array.from({ length: o.categories }, () => [])
  for (let i = 0; i < o.items; i++) {
    // Every category gets items; the rest land at random.
    const c = i < o.categories ? i : Math.floor(random() * o.categories)
    itemCategory[i] = c
    inCategory[c]?.push(i)
  }
  // Within a category, the order items were added is their popularity rank.
  const pickInCategory = inCategory.map((list) => sampler(zipf(list.length, 1), random))
  const categoryWeight = zipf(o.categories, 0.6)
  const pickCategory = sampler(categoryWeight, random)
  const itemWeight = Float64Array.from({ length: o.items }, () => 0)
  inCategory.forEach((list, c) => {
    const w = zipf(list.length, 1)
    const total = w.reduce((a, b) => a + b, 0)
    list.forEach((item, rank) => (itemWeight[item] = ((categoryWeight[c] as number) * (w[rank] as number)) / total))
  })
  const pickAnywhere = sampler(itemWeight, random)

  const purchases: Purchase[] = []
  for (let user = 0; user < o.users; user++) {
    const favourites = new Set<number>()
    const wanted = 1 + Math.floor(random() * 3)
    while (favourites.size < Math.min(wanted, o.categories)) favourites.add(pickCategory())
    const taste = [...favourites]
    const count = o.minPurchases + Math.floor(random() * (o.maxPurchases - o.minPurchases + 1))
    const bought = new Set<number>()
    for (let tries = 0; bought.size < count && tries < count * 20; tries++) {
      let item: number
      if (random() < o.focus) {
        const c = taste[Math.floor(random() * taste.length)] as number
        item = inCategory[c]?.[(pickInCategory[c] as () => number)()] as number
      } else {
        item = pickAnywhere()
      }
      if (bought.has(item)) continue
      bought.add(item)
      purchases.push({ user, item })
    }
  }
  return { users: o.users, items: o.items, categories: o.categories, itemCategory, purchases }
}
