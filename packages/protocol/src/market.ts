/**
 * Marketplace contracts (/v1/market): listings of models, datasets and apps whose content stays
 * encrypted in W3S, searched by full text with filters; orders paid through the ledger (a held
 * escrow settled to the seller less the governed fee, or refunded); reviews by buyers only.
 *
 * Access modes: `download` (the seller's side wraps the object key to the buyer; the hub stores the
 * wrapped key and cannot use it), `compute-only` (the buyer's job runs where the data is; the key
 * reaches only the executing nodes) and `per-call` (a served model, a prepaid allowance of calls).
 * Prices are units (1 token = 10^18 units) as decimal strings: the whole price for `download`, per
 * compute job for `compute-only`, per call for `per-call`.
 */
import { Type, type Static } from '@sinclair/typebox'
import { NextCursorSchema } from './paging.js'
import { AccountIdSchema } from './schemas.js'
import { CidSchema, WrappedKeySchema } from './storage.js'
import { UnitsSchema } from './ledger.js'

const strict = { additionalProperties: false }
/** A string that is one of `values`, typed as their union. */
const literals = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>(Type.String({ enum: [...values], ...(description === undefined ? {} : { description }) }))

export const LISTING_KINDS = ['model', 'dataset', 'app'] as const
export type ListingKind = (typeof LISTING_KINDS)[number]
export const ACCESS_MODES = ['download', 'compute-only', 'per-call'] as const
export type AccessMode = (typeof ACCESS_MODES)[number]
/**
 * pending: a download paid into escrow, waiting for the seller to wrap the key (refunded at its deadline);
 * active: a compute-only right or a per-call allowance in use; fulfilled: delivered and the seller paid;
 * exhausted: a per-call allowance closed (all calls used, closed by the buyer or past its deadline), the
 * seller paid for the calls used and the rest refunded; refunded: nothing delivered, all of it back.
 */
export const ORDER_STATUSES = ['pending', 'fulfilled', 'refunded', 'active', 'exhausted'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]
export const ORDER_ROLES = ['buyer', 'seller'] as const
export type OrderRole = (typeof ORDER_ROLES)[number]

/** Bodies of the market routes are small, a listing's card is the largest part. */
export const MAX_MARKET_BODY_BYTES = 64 * 1024
/** The card as JSON, at most this many bytes (MARKET_BAD_LISTING otherwise). */
export const MAX_CARD_BYTES = 32 * 1024
export const MAX_LISTING_TAGS = 10
export const MAX_LISTING_VERSIONS = 100
export const MAX_TITLE_LENGTH = 120
export const MAX_DESCRIPTION_LENGTH = 4000
export const MAX_REVIEW_TEXT_LENGTH = 2000
export const MAX_SEARCH_TEXT_LENGTH = 200
/** Calls one per-call order may prepay. */
export const MAX_ORDER_CALLS = 1_000_000
/** Listing prices, in units: from 10^-6 token (so the governed fee never rounds to nothing) to 10^6 tokens (MARKET_PRICE_OUT_OF_BOUNDS otherwise; @w3ai/market's MARKET_PRICE_BOUNDS). */
export const MARKET_PRICE_MIN = (10n ** 12n).toString()
export const MARKET_PRICE_MAX = (10n ** 24n).toString()
/** How long the seller has to fulfil a download (or the buyer to use a compute-only order) unless the buyer names another. */
export const DEFAULT_ORDER_DEADLINE_MS = 24 * 3600_000
/** How long a per-call allowance stays open unless the buyer names another. */
export const DEFAULT_ALLOWANCE_DEADLINE_MS = 30 * 24 * 3600_000
export const MIN_ORDER_DEADLINE_MS = 1000
export const MAX_ORDER_DEADLINE_MS = 365 * 24 * 3600_000
/** Search pages: 1..100 listings (default 20). */
export const DEFAULT_SEARCH_LIMIT = 20
export const MAX_SEARCH_LIMIT = 100

export const ListingIdSchema = Type.String({ pattern: '^l_[0-9a-f]{20}$', description: 'l_ + 20 hex digits' })
export const OrderIdSchema = Type.String({ pattern: '^o_[0-9a-f]{16}$', description: 'o_ + 16 hex digits' })
export const ReviewIdSchema = Type.String({ pattern: '^r_[0-9a-f]{20}$', description: 'r_ + 20 hex digits' })
export const ListingKindSchema = literals(LISTING_KINDS)
export const AccessModeSchema = literals(ACCESS_MODES)
export const OrderStatusSchema = literals(ORDER_STATUSES)
export const TagSchema = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', description: 'lowercase letters, digits and -, at most 32' })
/** An SPDX identifier (MIT, Apache-2.0, CC-BY-4.0) or a name such as proprietary. */
export const LicenceSchema = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$', description: 'an SPDX id (MIT, CC-BY-4.0) or a name such as proprietary' })
export const ListingVersionNameSchema = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$', description: 'e.g. 1.0.0' })
/** The card: a model's intended use, metrics, limitations, inputs and outputs; a dataset's schema, row count and preview. Free-form JSON, validated by @w3ai/market. */
export const CardSchema = Type.Record(Type.String(), Type.Unknown(), { description: `JSON object, at most ${MAX_CARD_BYTES} bytes` })
export type Card = Static<typeof CardSchema>

const Title = Type.String({ minLength: 1, maxLength: MAX_TITLE_LENGTH })
const Description = Type.String({ maxLength: MAX_DESCRIPTION_LENGTH })
const Tags = Type.Array(TagSchema, { maxItems: MAX_LISTING_TAGS, uniqueItems: true })

export const ListingVersionSchema = Type.Object({
  version: ListingVersionNameSchema,
  /** The stored (encrypted) object this version sells. */
  cid: CidSchema,
  createdAt: Type.String(),
})
export type ListingVersion = Static<typeof ListingVersionSchema>

export const RatingSchema = Type.Object({
  /** Mean of the buyers' ratings (1..5), 0 while there is none. */
  mean: Type.Number({ minimum: 0, maximum: 5 }),
  count: Type.Integer({ minimum: 0 }),
})
export type Rating = Static<typeof RatingSchema>

export const ListingSchema = Type.Object({
  id: ListingIdSchema,
  seller: AccountIdSchema,
  kind: ListingKindSchema,
  title: Type.String(),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  licence: Type.String(),
  access: AccessModeSchema,
  price: UnitsSchema,
  /** Oldest first; buyers get the latest version at the time of their order. */
  versions: Type.Array(ListingVersionSchema),
  card: CardSchema,
  rating: RatingSchema,
  createdAt: Type.String(),
  updatedAt: Type.String(),
})
export type Listing = Static<typeof ListingSchema>

/** A listing in search results: no card, only the latest version. */
export const ListingSummarySchema = Type.Object({
  id: ListingIdSchema,
  seller: AccountIdSchema,
  kind: ListingKindSchema,
  title: Type.String(),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  licence: Type.String(),
  access: AccessModeSchema,
  price: UnitsSchema,
  latest: ListingVersionSchema,
  rating: RatingSchema,
  createdAt: Type.String(),
  updatedAt: Type.String(),
})
export type ListingSummary = Static<typeof ListingSummarySchema>

/**
 * POST /v1/market/listings: publish. The seller must be able to read `cid` (its own object or one
 * shared with it): MARKET_OBJECT_NOT_READABLE otherwise. compute-only is for datasets; per-call for
 * models and apps (MARKET_BAD_LISTING otherwise).
 */
export const ListingDraftSchema = Type.Object(
  {
    kind: ListingKindSchema,
    title: Title,
    description: Type.Optional(Description),
    tags: Type.Optional(Tags),
    licence: LicenceSchema,
    access: AccessModeSchema,
    price: UnitsSchema,
    cid: CidSchema,
    /** Default '1.0.0'. */
    version: Type.Optional(ListingVersionNameSchema),
    card: Type.Optional(CardSchema),
  },
  strict,
)
export type ListingDraft = Static<typeof ListingDraftSchema>

/** PATCH /v1/market/listings/:id: the seller changes what it names (kind and access stay). */
export const ListingPatchSchema = Type.Object(
  {
    title: Type.Optional(Title),
    description: Type.Optional(Description),
    tags: Type.Optional(Tags),
    licence: Type.Optional(LicenceSchema),
    price: Type.Optional(UnitsSchema),
    card: Type.Optional(CardSchema),
  },
  { ...strict, minProperties: 1 },
)
export type ListingPatch = Static<typeof ListingPatchSchema>

/** POST /v1/market/listings/:id/versions: a new version (a name not used before on the listing). */
export const ListingVersionCreateSchema = Type.Object({ version: ListingVersionNameSchema, cid: CidSchema }, strict)
export type ListingVersionCreate = Static<typeof ListingVersionCreateSchema>

/**
 * GET /v1/market/listings: full-text search (`q`, websearch syntax: words, "a phrase", -not, or)
 * ranked best first, else newest first; filters combine with AND; cursor paging.
 */
export const SearchQuerySchema = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: MAX_SEARCH_TEXT_LENGTH, description: 'words to find in title, tags and description' })),
    kind: Type.Optional(ListingKindSchema),
    access: Type.Optional(AccessModeSchema),
    tag: Type.Optional(TagSchema),
    licence: Type.Optional(LicenceSchema),
    seller: Type.Optional(AccountIdSchema),
    minPrice: Type.Optional(UnitsSchema),
    maxPrice: Type.Optional(UnitsSchema),
    minRating: Type.Optional(Type.Number({ minimum: 0, maximum: 5, description: 'lowest mean rating (listings without ratings count as 0)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SEARCH_LIMIT, default: DEFAULT_SEARCH_LIMIT })),
    cursor: Type.Optional(Type.String({ maxLength: 512, description: "the previous page's nextCursor (opaque)" })),
  },
  strict,
)
export type SearchQuery = Static<typeof SearchQuerySchema>

export const SearchPageSchema = Type.Object({ listings: Type.Array(ListingSummarySchema), nextCursor: NextCursorSchema })
export type SearchPage = Static<typeof SearchPageSchema>

/**
 * POST /v1/market/listings/:id/orders: buy. `calls` is required for per-call listings (the
 * allowance held: calls × price) and refused for the others. `deadlineMs`: how long the seller has
 * to fulfil a download, the buyer to use a compute-only order, or a per-call allowance stays open.
 */
export const OrderCreateSchema = Type.Object(
  {
    calls: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ORDER_CALLS })),
    deadlineMs: Type.Optional(Type.Integer({ minimum: MIN_ORDER_DEADLINE_MS, maximum: MAX_ORDER_DEADLINE_MS })),
  },
  strict,
)
export type OrderCreate = Static<typeof OrderCreateSchema>

export const AllowanceSchema = Type.Object({ calls: Type.Integer({ minimum: 1 }), used: Type.Integer({ minimum: 0 }) })
export type Allowance = Static<typeof AllowanceSchema>

export const OrderSchema = Type.Object({
  id: OrderIdSchema,
  listingId: ListingIdSchema,
  buyer: AccountIdSchema,
  seller: AccountIdSchema,
  mode: AccessModeSchema,
  /** The listing's price when bought (per call for per-call). */
  price: UnitsSchema,
  /** What the buyer paid into escrow: price, or calls × price. */
  amount: UnitsSchema,
  /** The version bought and its object. */
  version: ListingVersionNameSchema,
  cid: CidSchema,
  status: OrderStatusSchema,
  /** download: fulfil by then or it is refunded; compute-only: use by then; per-call: the allowance closes then. */
  deadline: Type.String(),
  /** per-call only. */
  allowance: Type.Union([AllowanceSchema, Type.Null()]),
  /** download, once fulfilled: the object key wrapped to the buyer's encryption key (the hub cannot open it). */
  wrappedKey: Type.Union([WrappedKeySchema, Type.Null()]),
  /** What the seller received (the settled amount less the fee), once settled. */
  paid: Type.Union([UnitsSchema, Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
})
export type Order = Static<typeof OrderSchema>

export const OrderListQuerySchema = Type.Object(
  {
    role: Type.Optional(literals(ORDER_ROLES, 'buyer (default): your purchases; seller: your sales')),
    status: Type.Optional(OrderStatusSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  strict,
)
export type OrderListQuery = Static<typeof OrderListQuerySchema>
export const OrderPageSchema = Type.Object({ orders: Type.Array(OrderSchema), nextCursor: NextCursorSchema })
export type OrderPage = Static<typeof OrderPageSchema>

/** POST /v1/market/orders/:id/fulfil (the seller): the object key wrapped to the buyer's encryption key. */
export const OrderFulfilSchema = Type.Object({ wrappedKey: WrappedKeySchema }, strict)
export type OrderFulfil = Static<typeof OrderFulfilSchema>

export const ReviewCreateSchema = Type.Object(
  { rating: Type.Integer({ minimum: 1, maximum: 5 }), text: Type.Optional(Type.String({ maxLength: MAX_REVIEW_TEXT_LENGTH })) },
  strict,
)
export type ReviewCreate = Static<typeof ReviewCreateSchema>
export const ReviewPatchSchema = Type.Object(
  { rating: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })), text: Type.Optional(Type.String({ maxLength: MAX_REVIEW_TEXT_LENGTH })) },
  { ...strict, minProperties: 1 },
)
export type ReviewPatch = Static<typeof ReviewPatchSchema>
export const ReviewAnswerSchema = Type.Object({ text: Type.String({ minLength: 1, maxLength: MAX_REVIEW_TEXT_LENGTH }) }, strict)
export type ReviewAnswer = Static<typeof ReviewAnswerSchema>

export const ReviewSchema = Type.Object({
  id: ReviewIdSchema,
  orderId: OrderIdSchema,
  listingId: ListingIdSchema,
  buyer: AccountIdSchema,
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
  text: Type.String(),
  /** The seller's answer, if any. */
  answer: Type.Union([Type.String(), Type.Null()]),
  answeredAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
})
export type Review = Static<typeof ReviewSchema>
export const ReviewPageSchema = Type.Object({ reviews: Type.Array(ReviewSchema), nextCursor: NextCursorSchema })
export type ReviewPage = Static<typeof ReviewPageSchema>
