/**
 * A shop's purchase history: who bought what, in time order. Users and items are indices (0..n-1);
 * a history read from a shop's CSV keeps their own ids beside. The held-out split keeps each user's
 * last purchases for evaluation, as a recommender would be judged in production: on what a
 * customer bought next.
 */
import { W3aiError } from '@w3ai/protocol'

export interface Purchase {
  user: number
  item: number
}

export interface PurchaseHistory {
  users: number
  items: number
  /** In time order. */
  purchases: Purchase[]
  /** The shop's own ids, by index, when the history came from its data. */
  userIds?: string[]
  itemIds?: string[]
}

export interface HeldOutSplit {
  train: Purchase[]
  test: Purchase[]
}

/** The most purchase lines a CSV history may hold. */
export const MAX_HISTORY_PURCHASES = 5_000_000

/**
 * Holds out each user's last `perUser` purchases. Users with fewer than `perUser + 2` purchases stay
 * wholly in training: a user needs some history for a recommendation to be personal.
 */
export function holdOut(history: PurchaseHistory, perUser = 1): HeldOutSplit {
  const byUser: number[][] = Array.from({ length: history.users }, () => [])
  history.purchases.forEach((p, i) => byUser[p.user]?.push(i))
  const held = new Set<number>()
  for (const indices of byUser) {
    if (indices.length >= perUser + 2) for (const i of indices.slice(-perUser)) held.add(i)
  }
  const train: Purchase[] = []
  const test: Purchase[] = []
  history.purchases.forEach((p, i) => (held.has(i) ? test : train).push(p))
  return { train, test }
}

/**
 * Reads a shop's history from CSV text: a header naming `user` and `item` columns (others are
 * ignored), then one purchase per line in time order. A malformed file is COMPUTE_BAD_DATASET
 * naming the line.
 */
export function purchasesFromCsv(text: string): PurchaseHistory {
  const lines = text.split(/\r?\n/)
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase())
  const userColumn = header.indexOf('user')
  const itemColumn = header.indexOf('item')
  if (userColumn < 0 || itemColumn < 0) throw new W3aiError('COMPUTE_BAD_DATASET', 'The purchase history needs a header line with user and item columns')
  const users = new Map<string, number>()
  const items = new Map<string, number>()
  const purchases: Purchase[] = []
  const indexOf = (ids: Map<string, number>, id: string) => ids.get(id) ?? ids.set(id, ids.size).get(id) as number
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n] as string
    if (line.trim() === '') continue
    const cells = line.split(',').map((c) => c.trim())
    const user = cells[userColumn]
    const item = cells[itemColumn]
    if (!user || !item) throw new W3aiError('COMPUTE_BAD_DATASET', `Line ${n + 1} of the purchase history lacks a user or an item`)
    if (purchases.length >= MAX_HISTORY_PURCHASES) throw new W3aiError('COMPUTE_BAD_DATASET', `The purchase history holds more than ${MAX_HISTORY_PURCHASES} purchases`)
    purchases.push({ user: indexOf(users, user), item: indexOf(items, item) })
  }
  if (purchases.length === 0) throw new W3aiError('COMPUTE_BAD_DATASET', 'The purchase history holds no purchases')
  return { users: users.size, items: items.size, purchases, userIds: [...users.keys()], itemIds: [...items.keys()] }
}
