/** Wire objects for the market tab's tests: listings, summaries, orders and reviews as the hub answers them. */
import type { Listing, ListingSummary, Order, Review } from '@w3ai/protocol'

export const SELLER = 'a_0123456789abcdef0123'
export const BUYER = 'a_fedcba9876543210fedc'
export const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
export const CID_2 = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
export const LISTING_ID = 'l_0123456789abcdef0123'
export const T = 10n ** 18n

const AT = '2026-01-01T00:00:00.000Z'

export const DATASET_CARD = {
  kind: 'dataset',
  schema: [
    { name: 'user', type: 'string' },
    { name: 'item', type: 'string' },
    { name: 'qty', type: 'int' },
  ],
  rowCount: 1200,
  preview: [
    { user: 'u1', item: 'i42', qty: 2 },
    { user: 'u2', item: 'i7', qty: null },
  ],
}

export const MODEL_CARD = {
  kind: 'model',
  intendedUse: 'Digits 0-9 from 8x8 images',
  metrics: [{ name: 'accuracy', value: 0.97, dataset: 'sklearn digits, 20% held out' }],
  limitations: 'Only 8x8 greyscale digits.',
  inputs: [{ name: 'x', type: 'float32', shape: ['batch', 64] }],
  outputs: [{ name: 'y', type: 'float32', shape: ['batch', 10] }],
}

export const APP_CARD = {
  kind: 'app',
  intendedUse: 'Recommendations for a shop',
  template: {
    runnable: { kind: 'builtin', name: 'recommender' },
    params: [
      { name: 'history', type: 'cid', optional: true, description: 'purchase history CSV' },
      { name: 'seed', type: 'int', default: 1, min: 0, max: 100 },
      { name: 'users', type: 'int', default: 200, min: 10, max: 100000 },
      { name: 'items', type: 'int', default: 40, min: 10, max: 4000 },
      { name: 'categories', type: 'int', default: 4, min: 1, max: 100 },
      { name: 'neighbours', type: 'int', default: 0, min: 0, max: 4000 },
      { name: 'k', type: 'int', default: 10, min: 1, max: 100 },
    ],
  },
  metrics: [{ name: 'recall@10', value: 0.3, dataset: 'held-out last purchases' }],
}

export function listing(patch: Partial<Listing> = {}): Listing {
  return {
    id: LISTING_ID,
    seller: SELLER,
    kind: 'dataset',
    title: 'Shop purchases 2025',
    description: 'Every purchase of a small shop, anonymized.',
    tags: ['shop', 'purchases'],
    licence: 'CC-BY-4.0',
    access: 'download',
    price: String(25n * T / 10n),
    versions: [
      { version: '1.0.0', cid: CID, createdAt: AT },
      { version: '1.1.0', cid: CID_2, createdAt: '2026-01-02T00:00:00.000Z' },
    ],
    card: DATASET_CARD,
    rating: { mean: 4.5, count: 2 },
    createdAt: AT,
    updatedAt: AT,
    ...patch,
  }
}

export function summary(i: number, patch: Partial<ListingSummary> = {}): ListingSummary {
  const { versions, card: _card, ...rest } = listing()
  return { ...rest, id: `l_${i.toString(16).padStart(20, '0')}`, title: `Listing ${i}`, latest: versions[versions.length - 1]!, ...patch }
}

export function order(patch: Partial<Order> = {}): Order {
  return {
    id: 'o_0123456789abcdef',
    listingId: LISTING_ID,
    buyer: BUYER,
    seller: SELLER,
    mode: 'download',
    price: String(25n * T / 10n),
    amount: String(25n * T / 10n),
    version: '1.1.0',
    cid: CID_2,
    status: 'pending',
    deadline: '2026-01-02T00:00:00.000Z',
    allowance: null,
    wrappedKey: null,
    paid: null,
    createdAt: AT,
    updatedAt: AT,
    ...patch,
  }
}

export function review(patch: Partial<Review> = {}): Review {
  return {
    id: 'r_0123456789abcdef0123',
    orderId: 'o_0123456789abcdef',
    listingId: LISTING_ID,
    buyer: BUYER,
    rating: 4,
    text: 'Clean data.',
    answer: null,
    answeredAt: null,
    createdAt: AT,
    updatedAt: AT,
    ...patch,
  }
}

/** Before every fixture's deadline. */
export const NOW = Date.parse('2026-01-01T12:00:00.000Z')
