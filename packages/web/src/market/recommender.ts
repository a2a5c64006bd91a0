/**
 * The recommender app (@w3ai/market's builtin) launched from its listing page. Its template says it
 * runs on the user's side with the user's data, and the hub has no executor for builtin apps, so
 * the page is that side: it trains item-to-item similarities on the shop's history (a CSV object
 * of the user's, read and decrypted here, or the seeded generated shop), measures recall@k against
 * the popularity baseline on held-out purchases, and exports the ONNX model
 * (scores = purchases · S). The model is then stored in W3S (encrypted here) and one customer is
 * scored on a node through the hub's jobs API, as the Jobs tab submits an ONNX job; the page ranks
 * that job's scores into the customer's top k.
 *
 * @w3ai/market's main entry (with its ONNX writer) is loaded only when an app is run.
 */
import type { AppCard, BoundParams } from '@w3ai/market/portable'
import type { JobSubmit } from '@w3ai/protocol'

export interface RecommenderReport {
  data: string
  users: number
  items: number
  purchases: number
  heldOut: number
  k: number
  recall: number
  baselineRecall: number
  lift: number
}

export interface TrainedInPage {
  report: RecommenderReport
  onnx: Uint8Array
  items: number
  /** The customer scored on a node, and what they bought (item indices). */
  customer: number
  basket: number[]
  /** The shop's own item ids by index, for a history read from its CSV. */
  itemIds?: string[]
  /** The app's card with the figures of this run (template and recall@k against the baseline). */
  card: AppCard
}

/** The first customer with at least two purchases: one to recommend for. */
function sampleCustomer(purchases: ReadonlyArray<{ user: number; item: number }>, users: number): { customer: number; basket: number[] } {
  const baskets: number[][] = Array.from({ length: users }, () => [])
  for (const p of purchases) if (!baskets[p.user]?.includes(p.item)) baskets[p.user]?.push(p.item)
  const customer = Math.max(0, baskets.findIndex((b) => b.length >= 2))
  return { customer, basket: baskets[customer] ?? [] }
}

/**
 * Trains the recommender in the page with params bound by the app's template. With a `history`
 * param, `readText` reads that object (the user's own or one shared with them) as text.
 */
export async function trainInPage(params: BoundParams, readText?: (cid: string) => Promise<string>): Promise<TrainedInPage> {
  const market = await import('@w3ai/market')
  const int = (name: string): number => params[name] as number
  let history: ReturnType<typeof market.purchasesFromCsv> | undefined
  if (typeof params.history === 'string') {
    if (readText === undefined) throw new Error('Reading the history needs an identity.')
    history = market.purchasesFromCsv(await readText(params.history))
  }
  const run = market.runRecommenderApp(params, history)
  const data = history ?? market.generateShop({ seed: int('seed'), users: int('users'), items: int('items'), categories: int('categories') })
  const { customer, basket } = sampleCustomer(data.purchases, data.users)
  const r = run.report
  const out: TrainedInPage = {
    report: { data: r.data, users: r.users, items: r.items, purchases: r.purchases, heldOut: r.heldOut, k: r.k, recall: r.recall, baselineRecall: r.baselineRecall, lift: r.lift },
    onnx: run.onnx,
    items: run.items,
    customer,
    basket,
    card: run.card,
  }
  if (run.itemIds !== undefined) out.itemIds = run.itemIds
  return out
}

/** The ONNX job that scores the sample customer with the stored model: purchases[1, items] (0/1). */
export function scoringJob(modelCid: string, trained: Pick<TrainedInPage, 'items' | 'basket'>): JobSubmit {
  const data = new Array<number>(trained.items).fill(0)
  for (const item of trained.basket) data[item] = 1
  return { executor: 'onnx', inputs: { model: modelCid }, params: { tensors: { purchases: { type: 'float32', dims: [1, trained.items], data } } } }
}

/** The customer's top `k` items from a scoring job's result (not what they bought), or null when the result holds no scores. */
export function topItems(result: unknown, trained: Pick<TrainedInPage, 'items' | 'basket'>, k: number): number[] | null {
  const outputs = (result as { outputs?: Record<string, { data?: unknown }> } | null)?.outputs
  const data = outputs?.scores?.data
  if (!Array.isArray(data) || data.length !== trained.items || !data.every((v) => typeof v === 'number')) return null
  const scores = data as number[]
  const bought = new Set(trained.basket)
  return scores
    .map((s, i) => [s, i] as const)
    .filter(([, i]) => !bought.has(i))
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i)
}

/** The recommender app's card as the package makes it: its template and recall@k against the popularity baseline, measured here on the default generated shop. */
export async function recommenderAppCard(): Promise<AppCard> {
  const market = await import('@w3ai/market')
  return market.runRecommenderApp(market.bindParams(market.RECOMMENDER_TEMPLATE, {})).card
}
