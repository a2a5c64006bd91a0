/**
 * W3S storage contracts: the object manifest, hub-signed piece orders, node receipts and the
 * storage API bodies. Objects are encrypted and erasure-coded on the client; the hub and nodes see
 * only ciphertext pieces, sizes and CIDs.
 */
import { Type, type Static } from '@sinclair/typebox'

/** CIDv1 in base32 (multibase prefix b): raw pieces are bafk…, dag-json manifests are bagu…. */
export const CidSchema = Type.String({ pattern: '^b[a-z2-7]{20,120}$', description: 'CIDv1, base32' })
const NodeIdString = Type.String({ pattern: '^n_[0-9a-f]{20}$' })
const AccountIdString = Type.String({ pattern: '^a_[0-9a-f]{20}$' })
const B64 = Type.String({ pattern: '^[A-Za-z0-9_-]*$', maxLength: 8192 })

export const STORAGE_DEFAULTS = {
  segmentSize: 8 * 1024 * 1024,
  k: 4,
  n: 6,
  repairThreshold: 5,
  /** Extra pieces uploaded beyond n so the slowest can be cut (long-tail cancellation). */
  longTail: 2,
  merkleLeafSize: 4096,
  orderTtlMs: 10 * 60_000,
} as const

export const RedundancySchema = Type.Object(
  {
    k: Type.Integer({ minimum: 1, maximum: 63 }),
    n: Type.Integer({ minimum: 2, maximum: 64 }),
    repairThreshold: Type.Integer({ minimum: 1, maximum: 64 }),
  },
  { additionalProperties: false },
)
export type Redundancy = Static<typeof RedundancySchema>

/** One stored piece of a segment: the shard index in the Reed–Solomon code and its CID. */
export const ManifestPieceSchema = Type.Object({ index: Type.Integer({ minimum: 0, maximum: 255 }), cid: CidSchema }, { additionalProperties: false })

export const ManifestSegmentSchema = Type.Object(
  {
    plainSize: Type.Integer({ minimum: 0 }),
    cipherSize: Type.Integer({ minimum: 16 }),
    shardSize: Type.Integer({ minimum: 8 }),
    pieces: Type.Array(ManifestPieceSchema, { minItems: 1, maxItems: 255 }),
  },
  { additionalProperties: false },
)

/**
 * The object manifest. Its canonical encoding is dag-json (piece CIDs as links), and the object id
 * is the CIDv1 (dag-json, sha2-256) of that encoding. It holds no key and no plaintext.
 */
export const ManifestSchema = Type.Object(
  {
    v: Type.Literal(1),
    type: Type.Literal('w3s/object'),
    size: Type.Integer({ minimum: 0 }),
    segmentSize: Type.Integer({ minimum: 1024 }),
    encryption: Type.Object({ alg: Type.Literal('AES-256-GCM'), kdf: Type.Literal('HKDF-SHA256') }, { additionalProperties: false }),
    erasure: Type.Object(
      {
        alg: Type.Literal('reed-solomon'),
        k: Type.Integer({ minimum: 1 }),
        n: Type.Integer({ minimum: 2 }),
        /** Shards encoded per segment (n plus long-tail spares); repair regenerates with the same code. */
        total: Type.Integer({ minimum: 2, maximum: 255 }),
      },
      { additionalProperties: false },
    ),
    merkleLeafSize: Type.Integer({ minimum: 64 }),
    segments: Type.Array(ManifestSegmentSchema),
  },
  { additionalProperties: false },
)
export type Manifest = Static<typeof ManifestSchema>
export type ManifestSegment = Static<typeof ManifestSegmentSchema>

/** A 256-bit object key wrapped to an account's x25519 key (ephemeral ECDH + HKDF + AES-256-GCM). */
export const WrappedKeySchema = Type.Object(
  {
    alg: Type.Literal('X25519-HKDF-SHA256-AES-256-GCM'),
    epk: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    nonce: Type.String({ pattern: '^[A-Za-z0-9_-]{16}$' }),
    ct: Type.String({ pattern: '^[A-Za-z0-9_-]{64}$', description: '32-byte key + 16-byte tag' }),
  },
  { additionalProperties: false },
)
export type WrappedKey = Static<typeof WrappedKeySchema>

/** What a piece order lets its bearer do at one node for one piece, until it expires. */
export const PieceOrderSchema = Type.Object(
  {
    v: Type.Literal(1),
    action: Type.Union([Type.Literal('put'), Type.Literal('get'), Type.Literal('delete'), Type.Literal('audit')]),
    pieceCid: CidSchema,
    nodeId: NodeIdString,
    /** put: the most bytes the node may accept. */
    maxSize: Type.Integer({ minimum: 0 }),
    expiresAt: Type.Integer({ description: 'ms since the epoch' }),
    serial: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }),
  },
  { additionalProperties: false },
)
export type PieceOrder = Static<typeof PieceOrderSchema>

/**
 * An order signed by the network's order key (ed25519 over the UTF-8 of `JSON.stringify(order)`
 * with keys sorted: canonicalJson in @w3ai/crypto). Sent to nodes base64url-encoded in the `x-w3ai-order` header.
 */
export const SignedOrderSchema = Type.Object({ order: PieceOrderSchema, signature: B64 }, { additionalProperties: false })
export type SignedOrder = Static<typeof SignedOrderSchema>
export const HEADER_ORDER = 'x-w3ai-order'

/** What a node signs (with its node key) after storing a piece. */
export const PieceReceiptSchema = Type.Object(
  {
    v: Type.Literal(1),
    pieceCid: CidSchema,
    nodeId: NodeIdString,
    size: Type.Integer({ minimum: 0 }),
    merkleRoot: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    storedAt: Type.Integer(),
  },
  { additionalProperties: false },
)
export type PieceReceipt = Static<typeof PieceReceiptSchema>
export const SignedReceiptSchema = Type.Object({ receipt: PieceReceiptSchema, signature: B64 }, { additionalProperties: false })
export type SignedReceipt = Static<typeof SignedReceiptSchema>

/** Most pieces one page of a node's piece list (`GET /v1/pieces`) holds. */
export const PIECE_LIST_MAX = 1000

/** A page of the pieces a node holds, with when each was stored; hubs compare it with their records. */
export const PieceListingSchema = Type.Object(
  {
    pieces: Type.Array(Type.Object({ cid: CidSchema, storedAt: Type.Integer({ description: 'ms since the epoch' }) }, { additionalProperties: false }), { maxItems: PIECE_LIST_MAX }),
    next: Type.Union([CidSchema, Type.Null()], { description: 'cursor for the next page (`after`), null after the last' }),
  },
  { additionalProperties: false },
)
export type PieceListing = Static<typeof PieceListingSchema>

/** Answer of a node to an audit challenge: the leaf and its Merkle path to the root. */
export const AuditProofSchema = Type.Object({
  leafIndex: Type.Integer({ minimum: 0 }),
  leaf: B64,
  /** Sibling hashes from the leaf up, hex; `left` tells whether the sibling is on the left. */
  path: Type.Array(Type.Object({ hash: Type.String({ pattern: '^[0-9a-f]{64}$' }), left: Type.Boolean() })),
})
export type AuditProof = Static<typeof AuditProofSchema>

// ---- hub API bodies ----

export const UploadCreateSchema = Type.Object(
  {
    size: Type.Integer({ minimum: 0, maximum: 2 ** 50 }),
    segmentSize: Type.Optional(Type.Integer({ minimum: 64 * 1024, maximum: 256 * 1024 * 1024 })),
    redundancy: Type.Optional(RedundancySchema),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    /** Hours of storage paid at commit where the network bills storage (default: the hub's, W3AI_STORAGE_DURATION_HOURS). */
    durationHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 * 365 * 24 })),
  },
  { additionalProperties: false },
)
export type UploadCreate = Static<typeof UploadCreateSchema>

export const UploadSchema = Type.Object({
  uploadId: Type.String(),
  segmentSize: Type.Integer(),
  redundancy: RedundancySchema,
  /** Pieces to encode per segment: n plus long-tail spares the client may cut. */
  totalPieces: Type.Integer(),
  merkleLeafSize: Type.Integer(),
  expiresAt: Type.String(),
})
export type Upload = Static<typeof UploadSchema>

export const SegmentOrdersRequestSchema = Type.Object(
  {
    pieces: Type.Array(Type.Object({ index: Type.Integer({ minimum: 0, maximum: 255 }), cid: CidSchema, size: Type.Integer({ minimum: 8 }) }, { additionalProperties: false }), { minItems: 2, maxItems: 255 }),
  },
  { additionalProperties: false },
)
export type SegmentOrdersRequest = Static<typeof SegmentOrdersRequestSchema>

export const PiecePlacementSchema = Type.Object({
  index: Type.Integer(),
  cid: CidSchema,
  nodeId: Type.String(),
  endpoint: Type.String(),
  order: SignedOrderSchema,
})
export type PiecePlacement = Static<typeof PiecePlacementSchema>
export const SegmentOrdersSchema = Type.Object({ placements: Type.Array(PiecePlacementSchema) })

export const SegmentCommitSchema = Type.Object(
  {
    plainSize: Type.Integer({ minimum: 0 }),
    cipherSize: Type.Integer({ minimum: 16 }),
    shardSize: Type.Integer({ minimum: 8 }),
    pieces: Type.Array(Type.Object({ index: Type.Integer({ minimum: 0, maximum: 255 }), receipt: SignedReceiptSchema }, { additionalProperties: false }), { minItems: 1, maxItems: 255 }),
  },
  { additionalProperties: false },
)
export type SegmentCommit = Static<typeof SegmentCommitSchema>

export const UploadCompleteSchema = Type.Object(
  {
    /** The manifest's dag-json bytes, base64url; the hub recomputes its CID. */
    manifest: Type.String({ pattern: '^[A-Za-z0-9_-]+$', maxLength: 16 * 1024 * 1024 }),
    wrappedKey: WrappedKeySchema,
  },
  { additionalProperties: false },
)
export type UploadComplete = Static<typeof UploadCompleteSchema>

export const StoredPieceSchema = Type.Object({
  index: Type.Integer(),
  cid: CidSchema,
  nodeId: Type.String(),
  endpoint: Type.String(),
  nodeStatus: Type.String(),
  healthy: Type.Boolean(),
  /** A `get` order for this piece at this node (absent in listings). */
  order: Type.Optional(SignedOrderSchema),
})
export type StoredPiece = Static<typeof StoredPieceSchema>

/**
 * An object's health, judged by its weakest segment: `healthy` (every segment at or above its
 * repair threshold), `repairing` (a segment below it, repair under way), `under-replicated` (a
 * segment below it and repair found nowhere to put pieces or too few to rebuild from; it retries
 * with backoff), `lost` (a segment has fewer than `needed` healthy pieces: unreadable until nodes
 * come back).
 */
export const ObjectHealthSchema = Type.Object(
  {
    state: Type.Union([Type.Literal('healthy'), Type.Literal('repairing'), Type.Literal('under-replicated'), Type.Literal('lost')]),
    /** The fewest healthy pieces of any segment. */
    healthyPieces: Type.Integer({ minimum: 0 }),
    /** Pieces a segment needs to be read (k). */
    needed: Type.Integer({ minimum: 1 }),
    /** Pieces each segment should have (n). */
    target: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
)
export type ObjectHealth = Static<typeof ObjectHealthSchema>

export const ObjectSummarySchema = Type.Object({
  cid: CidSchema,
  name: Type.Union([Type.String(), Type.Null()]),
  size: Type.Integer(),
  owner: Type.String(),
  createdAt: Type.String(),
  segments: Type.Integer(),
  redundancy: RedundancySchema,
  /** The fewest healthy pieces of any segment. */
  minHealthyPieces: Type.Integer(),
  /** Whether the object is stored as its redundancy asks; hubs of this version always send it. */
  health: Type.Optional(ObjectHealthSchema),
})
export type ObjectSummary = Static<typeof ObjectSummarySchema>

export const ObjectDetailSchema = Type.Object({
  object: ObjectSummarySchema,
  manifest: ManifestSchema,
  /** The object key wrapped to the caller's account. */
  wrappedKey: WrappedKeySchema,
  segments: Type.Array(Type.Object({ index: Type.Integer(), healthy: Type.Integer(), pieces: Type.Array(StoredPieceSchema) })),
})
export type ObjectDetail = Static<typeof ObjectDetailSchema>

export const ShareCreateSchema = Type.Object({ accountId: AccountIdString, wrappedKey: WrappedKeySchema }, { additionalProperties: false })
export type ShareCreate = Static<typeof ShareCreateSchema>
