import { InferenceSession, Tensor } from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import {
  baskets, bindParams, generateShop, holdOut, itemSimilarity, onnxSignature, popularity, purchasesFromCsv, recallAtK, RECOMMENDER_TEMPLATE,
  runRecommenderApp, scoreBasket, topK, validateCard, validateListing, validateTemplate,
} from '../src/index.js'
import { CID_A, refusal } from './helpers.js'

describe('the generated shop', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(generateShop({ seed: 7, users: 50 })).toEqual(generateShop({ seed: 7, users: 50 }))
    expect(generateShop({ seed: 8, users: 50 }).purchases).not.toEqual(generateShop({ seed: 7, users: 50 }).purchases)
  })

  it('skews popularity and gives customers a taste for a few categories', () => {
    const shop = generateShop()
    expect([shop.users, shop.items, shop.categories]).toEqual([1000, 300, 12])
    const counts = [...popularity(shop.purchases, shop.items)].sort((a, b) => b - a)
    const top30 = counts.slice(0, 30).reduce((a, b) => a + b, 0)
    expect(top30 / shop.purchases.length).toBeGreaterThan(0.3) // 10% of the items make over 30% of sales
    const focused = baskets(shop.purchases, shop.users).filter((basket) => {
      const byCategory = new Map<number, number>()
      for (const item of basket) byCategory.set(shop.itemCategory[item] as number, (byCategory.get(shop.itemCategory[item] as number) ?? 0) + 1)
      const top3 = [...byCategory.values()].sort((a, b) => b - a).slice(0, 3).reduce((a, b) => a + b, 0)
      return top3 / basket.length >= 0.7
    })
    expect(focused.length / shop.users).toBeGreaterThan(0.8)
    // Nobody buys one item twice.
    expect(new Set(shop.purchases.map((p) => `${p.user}:${p.item}`)).size).toBe(shop.purchases.length)
  })
})

describe('the held-out split', () => {
  it("keeps each customer's last purchase for evaluation, and short histories wholly in training", () => {
    const history = { users: 3, items: 5, purchases: [
      { user: 0, item: 1 }, { user: 1, item: 2 }, { user: 0, item: 3 }, { user: 0, item: 4 }, { user: 1, item: 0 }, { user: 2, item: 0 }, { user: 2, item: 1 }, { user: 2, item: 2 },
    ] }
    const { train, test } = holdOut(history)
    expect(test).toEqual([{ user: 0, item: 4 }, { user: 2, item: 2 }])
    expect(train).toHaveLength(6)
  })
})

describe("a shop's own history", () => {
  it('is read from CSV with user and item columns, ids kept', () => {
    const history = purchasesFromCsv('order,user,item\n1,alice,mug\n2,bob,tea\n3,alice,tea\n\n')
    expect(history).toEqual({ users: 2, items: 2, purchases: [{ user: 0, item: 0 }, { user: 1, item: 1 }, { user: 0, item: 1 }], userIds: ['alice', 'bob'], itemIds: ['mug', 'tea'] })
  })

  it('is refused with COMPUTE_BAD_DATASET when it lacks the columns, a cell or any purchase', () => {
    expect(refusal(() => purchasesFromCsv('customer,product\na,b'))).toMatchObject({ code: 'COMPUTE_BAD_DATASET' })
    expect(refusal(() => purchasesFromCsv('user,item\nalice,mug\nbob'))?.message).toContain('Line 3')
    expect(refusal(() => purchasesFromCsv('user,item\n'))).toMatchObject({ code: 'COMPUTE_BAD_DATASET' })
  })
})

describe('item-to-item similarity', () => {
  // alice: 0 1, bob: 0 1 2, carol: 2 3
  const purchases = [[0, 0], [0, 1], [1, 0], [1, 1], [1, 2], [2, 2], [2, 3]].map(([user, item]) => ({ user: user as number, item: item as number }))

  it('is the cosine of the buyer sets, zero on the diagonal', () => {
    const S = itemSimilarity(purchases, 3, 4)
    const at = (i: number, j: number) => S[i * 4 + j] as number
    expect(at(0, 1)).toBeCloseTo(2 / Math.sqrt(2 * 2))
    expect(at(0, 2)).toBeCloseTo(1 / Math.sqrt(2 * 2))
    expect(at(2, 3)).toBeCloseTo(1 / Math.sqrt(2 * 1))
    expect(at(0, 3)).toBe(0)
    expect([0, 1, 2, 3].map((i) => at(i, i))).toEqual([0, 0, 0, 0])
    expect(at(1, 0)).toBe(at(0, 1))
  })

  it("keeps each item's nearest neighbours only when asked", () => {
    const S = itemSimilarity(purchases, 3, 4, { neighbours: 1 })
    expect([...S.subarray(8, 12)].map((x) => Number(x.toFixed(3)))).toEqual([0, 0, 0, 0.707]) // item 2's nearest is 3
    expect(S[0 * 4 + 1]).toBeCloseTo(1)
  })

  it('scores a basket by summing the rows of what was bought, and ranks what was not', () => {
    const S = itemSimilarity(purchases, 3, 4)
    const scores = scoreBasket(S, 4, [0])
    expect(topK(scores, 2, new Set([0]))).toEqual([1, 2])
    expect(topK([0.5, 0.9, 0.9, 0.1], 3)).toEqual([1, 2, 0])
  })

  it('measures recall@k as the share of held-out purchases in the top k', () => {
    const trainBaskets = [[0], [1]]
    const test = [{ user: 0, item: 1 }, { user: 1, item: 3 }]
    // Each customer's own purchase is left out of their list: user 1's top 1 is item 2, not item 1.
    expect(recallAtK(() => [0, 5, 4, 3], trainBaskets, test, 1)).toBe(0.5)
    expect(recallAtK(() => [0, 5, 4, 3], trainBaskets, test, 2)).toBe(1)
  })
})

describe('the recommender app', () => {
  const bound = (raw: Record<string, string> = {}) => bindParams(RECOMMENDER_TEMPLATE, raw)

  it.each([['the default seed', {}], ['seed 2', { seed: '2' }]])('beats the popularity baseline by at least 1.5x in recall@10 on held-out purchases, on %s', (_name, raw) => {
    const { report } = runRecommenderApp(bound(raw))
    expect(report.k).toBe(10)
    expect(report.heldOut).toBe(1000)
    expect(report.recall).toBeGreaterThanOrEqual(1.5 * report.baselineRecall)
    expect(report.lift).toBeCloseTo(report.recall / report.baselineRecall)
  })

  it('serves per call: the ONNX model scores like the trained one in onnxruntime', async () => {
    const { onnx, similarity, items } = runRecommenderApp(bound({ seed: '3', users: '200', items: '60', categories: '6' }))
    expect(onnxSignature(onnx)).toEqual({
      inputs: [{ name: 'purchases', type: 'float32', shape: ['batch', 60] }],
      outputs: [{ name: 'scores', type: 'float32', shape: ['batch', 60] }],
    })
    const customers = [[0, 5, 17], [42], [], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]
    const x = new Float32Array(customers.length * items)
    customers.forEach((basket, row) => basket.forEach((item) => (x[row * items + item] = 1)))
    const session = await InferenceSession.create(onnx)
    try {
      const out = await session.run({ purchases: new Tensor('float32', x, [customers.length, items]) })
      const served = out.scores?.data as Float32Array
      customers.forEach((basket, row) => {
        const expected = scoreBasket(similarity, items, basket)
        const got = served.subarray(row * items, (row + 1) * items)
        for (let j = 0; j < items; j++) expect(got[j]).toBeCloseTo(expected[j] as number, 5)
        expect(topK(got, 10, new Set(basket))).toEqual(topK(expected, 10, new Set(basket)))
      })
    } finally {
      await session.release()
    }
  })

  it('has a card with its template and recall@10 against the baseline, valid on an app listing', () => {
    const { card, report } = runRecommenderApp(bound())
    expect(validateCard(card, 'app')).toEqual(card)
    expect(card.metrics?.map((m) => m.name)).toEqual(['recall@10', 'recall@10 popularity baseline', 'lift over popularity'])
    expect(card.metrics?.[0]?.value).toBeCloseTo(report.recall, 4)
    expect(card.metrics?.[0]?.dataset).toContain('generated shop (seed 1')
    expect(validateTemplate(card.template)).toEqual(RECOMMENDER_TEMPLATE)
    const listing = validateListing({ kind: 'app', title: 'Shop recommendations', tags: ['retail'], licence: 'Apache-2.0', access: 'per-call', price: '1000000000000000', versions: [{ cid: CID_A, label: '1' }], card })
    expect(listing.card).toEqual(card)
  })

  it("trains on a shop's own history when given one", () => {
    const lines = ['user,item']
    const shop = generateShop({ seed: 5, users: 100, items: 40, categories: 4 })
    for (const p of shop.purchases) lines.push(`u${p.user},sku-${p.item}`)
    const history = purchasesFromCsv(lines.join('\n'))
    const run = runRecommenderApp(bound({ history: CID_A }), history)
    expect(run.itemIds).toEqual(history.itemIds)
    expect(run.itemIds?.[0]).toMatch(/^sku-\d+$/)
    expect(run.report.data).toContain(CID_A)
    expect(run.report.users).toBe(100)
  })

  it('refuses params that do not fit with MARKET_INVALID_PARAM', () => {
    expect(refusal(() => bound({ items: '5' }))).toMatchObject({ code: 'MARKET_INVALID_PARAM', field: 'param items' })
    expect(refusal(() => runRecommenderApp(bound({ items: '10', categories: '20' })))).toMatchObject({ code: 'MARKET_INVALID_PARAM', field: 'param categories' })
    expect(refusal(() => runRecommenderApp(bound({ history: CID_A })))).toMatchObject({ code: 'MARKET_INVALID_PARAM', field: 'param history' })
  })
})
