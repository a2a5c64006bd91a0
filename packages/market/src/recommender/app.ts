/**
 * The recommender app as the marketplace ships it: personalized product recommendations for a
 * shop. `w3ai app run` binds the template's params, and the launcher (on the user's side, with
 * the user's data) calls `runRecommenderApp`: it trains item-item similarities on the shop's
 * history (or on a generated shop), measures recall@k on each customer's last purchase against
 * the popularity baseline, and returns the ONNX model the serving domain serves per call:
 * input `purchases` float32[batch, items] (a customer's 0/1 purchase vector), output `scores`
 * float32[batch, items] = purchases · S. The caller drops items already bought and takes the top k.
 */
import { bindParams, type AppTemplate, type BoundParams } from '../app.js'
import type { AppCard } from '../card.js'
import { fail } from '../check.js'
import { matMulModel } from '../onnx.js'
import { recallAtK } from './evaluate.js'
import { holdOut, type PurchaseHistory } from './history.js'
import { baskets, itemSimilarity, popularity, scoreBasket } from './model.js'
import { generateShop, SHOP_DEFAULTS } from './shop.js'

/** The most items a model is trained for: S is items² float32 (4,000 items: 64 MB). */
export const MAX_RECOMMENDER_ITEMS = 4000

export const RECOMMENDER_TEMPLATE: AppTemplate = {
  runnable: { kind: 'builtin', name: 'recommender' },
  params: [
    { name: 'history', type: 'cid', optional: true, description: "The shop's purchase history in W3S: CSV with user and item columns, in time order. Without it, a seeded shop is generated." },
    { name: 'seed', type: 'int', default: SHOP_DEFAULTS.seed, min: 0, max: 2 ** 31 - 1, description: 'Seed of the generated shop.' },
    { name: 'users', type: 'int', default: SHOP_DEFAULTS.users, min: 10, max: 100_000, description: 'Customers of the generated shop.' },
    { name: 'items', type: 'int', default: SHOP_DEFAULTS.items, min: 10, max: MAX_RECOMMENDER_ITEMS, description: 'Items of the generated shop.' },
    { name: 'categories', type: 'int', default: SHOP_DEFAULTS.categories, min: 1, max: 100, description: 'Item categories of the generated shop (at most items).' },
    { name: 'neighbours', type: 'int', default: 0, min: 0, max: MAX_RECOMMENDER_ITEMS, description: 'Similar items kept per item (0 keeps all).' },
    { name: 'k', type: 'int', default: 10, min: 1, max: 100, description: 'Recommendations per customer, and the k of recall@k.' },
  ],
}

export interface RecommenderReport {
  /** What the model was trained and measured on, in words. */
  data: string
  users: number
  items: number
  purchases: number
  /** Held-out purchases (each evaluated customer's last). */
  heldOut: number
  k: number
  neighbours: number
  /** recall@k of the model and of the popularity baseline on the held-out purchases. */
  recall: number
  baselineRecall: number
  /** recall / baselineRecall. */
  lift: number
}

export interface TrainedRecommender {
  /** S, items × items row-major: what the ONNX model multiplies by. */
  similarity: Float32Array
  items: number
  /** The shop's item ids by index, when trained on its own history. */
  itemIds?: string[]
  onnx: Uint8Array
  report: RecommenderReport
}

export interface TrainOptions {
  neighbours?: number
  k?: number
  /** Describes the data in the report and the card. */
  data?: string
}

/** The recommender as an ONNX graph: scores[batch, items] = purchases[batch, items] · S. */
export function recommenderOnnx(similarity: Float32Array, items: number): Uint8Array {
  return matMulModel({ weights: similarity, rows: items, cols: items, inputName: 'purchases', outputName: 'scores', graphName: 'w3ai-recommender' })
}

/** Trains on all but each customer's last purchase, evaluates on those, and exports the model. */
export function trainRecommender(history: PurchaseHistory, options: TrainOptions = {}): TrainedRecommender {
  const k = options.k ?? 10
  const neighbours = options.neighbours ?? 0
  if (history.items > MAX_RECOMMENDER_ITEMS) {
    fail('MARKET_INVALID_PARAM', 'param history', `${history.items} items is more than the ${MAX_RECOMMENDER_ITEMS} a recommender is trained for`, { param: 'history' })
  }
  const { train, test } = holdOut(history, 1)
  const trainBaskets = baskets(train, history.users)
  const similarity = itemSimilarity(train, history.users, history.items, { neighbours })
  const counts = popularity(train, history.items)
  const recall = recallAtK((basket) => scoreBasket(similarity, history.items, basket), trainBaskets, test, k)
  const baselineRecall = recallAtK(() => counts, trainBaskets, test, k)
  const report: RecommenderReport = {
    data: options.data ?? `a shop's history (${history.users} customers, ${history.items} items)`,
    users: history.users,
    items: history.items,
    purchases: history.purchases.length,
    heldOut: test.length,
    k,
    neighbours,
    recall,
    baselineRecall,
    lift: baselineRecall === 0 ? Number.POSITIVE_INFINITY : recall / baselineRecall,
  }
  const out: TrainedRecommender = { similarity, items: history.items, onnx: recommenderOnnx(similarity, history.items), report }
  if (history.itemIds) out.itemIds = history.itemIds
  return out
}

/**
 * Runs the app with params bound by `bindParams(RECOMMENDER_TEMPLATE, …)`. With a `history` param
 * the launcher reads that object and passes it parsed (purchasesFromCsv); without one a shop is
 * generated from seed, users, items and categories.
 */
export function runRecommenderApp(params: BoundParams, history?: PurchaseHistory): TrainedRecommender & { card: AppCard } {
  const p = bindParams(RECOMMENDER_TEMPLATE, Object.fromEntries(Object.entries(params).map(([name, value]) => [name, String(value)])))
  const int = (name: string) => p[name] as number
  if (p.history !== undefined && history === undefined) {
    fail('MARKET_INVALID_PARAM', 'param history', 'read the history object and pass it parsed (purchasesFromCsv)', { param: 'history' })
  }
  let data = history
  let description = `the shop's history ${String(p.history ?? '')} (${history?.users ?? 0} customers, ${history?.items ?? 0} items)`
  if (data === undefined) {
    if (int('categories') > int('items')) fail('MARKET_INVALID_PARAM', 'param categories', 'must be at most items', { param: 'categories' })
    data = generateShop({ seed: int('seed'), users: int('users'), items: int('items'), categories: int('categories') })
    description = `a generated shop (seed ${int('seed')}, ${int('users')} customers, ${int('items')} items, ${int('categories')} categories)`
  }
  const trained = trainRecommender(data, { neighbours: int('neighbours'), k: int('k'), data: description })
  return { ...trained, card: recommenderCard(trained.report) }
}

const round = (x: number) => Math.round(x * 10_000) / 10_000

/** The app's card: its template, and recall@k against the popularity baseline on held-out purchases. */
export function recommenderCard(report: RecommenderReport): AppCard {
  const dataset = `last purchase of ${report.heldOut} customers held out; ${report.data}`.slice(0, 200)
  return {
    kind: 'app',
    template: RECOMMENDER_TEMPLATE,
    intendedUse: 'Personalized product recommendations for a shop: train on its purchase history, then serve per call the scores of every item for a customer (x · S, item-to-item similarity); recommend the top k not yet bought.',
    metrics: [
      { name: `recall@${report.k}`, value: round(report.recall), dataset },
      { name: `recall@${report.k} popularity baseline`, value: round(report.baselineRecall), dataset },
      { name: 'lift over popularity', value: Number.isFinite(report.lift) ? round(report.lift) : 0, dataset },
    ],
  }
}
