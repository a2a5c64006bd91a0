/** SQL for uploads in progress: the upload, what was ordered per segment, what was committed. */
import type { Redundancy } from '@w3ai/protocol'
import type { Queryable } from '../../db/types.js'

export interface UploadRow {
  id: string
  owner: string
  name: string | null
  size: number
  segmentSize: number
  redundancy: Redundancy
  totalPieces: number
  expiresAt: Date
  completed: boolean
}

export interface OrderedPiece {
  index: number
  cid: string
  nodeId: string
  size: number
}

export interface CommittedPiece extends OrderedPiece {
  merkleRoot: string
}

export interface CommittedSegment {
  seg: number
  plainSize: number
  cipherSize: number
  shardSize: number
  pieces: Array<{ index: number; cid: string }>
}

interface RawUpload {
  id: string
  owner: string
  name: string | null
  size: string | number
  segment_size: number
  k: number
  n: number
  repair_threshold: number
  total_pieces: number
  expires_at: Date | string
  completed_at: Date | string | null
}

export class UploadStore {
  constructor(private readonly db: Queryable) {}

  async create(u: Omit<UploadRow, 'completed'>): Promise<void> {
    await this.db.query(
      `INSERT INTO uploads (id, owner, name, size, segment_size, k, n, repair_threshold, total_pieces, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [u.id, u.owner, u.name, u.size, u.segmentSize, u.redundancy.k, u.redundancy.n, u.redundancy.repairThreshold, u.totalPieces, u.expiresAt.toISOString()],
    )
  }

  async get(id: string): Promise<UploadRow | undefined> {
    const r = await this.db.query<RawUpload>('SELECT * FROM uploads WHERE id = $1', [id])
    const row = r.rows[0]
    if (row === undefined) return undefined
    return {
      id: row.id,
      owner: row.owner,
      name: row.name,
      size: Number(row.size),
      segmentSize: row.segment_size,
      redundancy: { k: row.k, n: row.n, repairThreshold: row.repair_threshold },
      totalPieces: row.total_pieces,
      expiresAt: new Date(row.expires_at),
      completed: row.completed_at !== null,
    }
  }

  /** Bytes an account holds or is uploading (for the quota). */
  async usedBytes(owner: string): Promise<number> {
    const r = await this.db.query<{ used: string | number | null }>(
      `SELECT (SELECT coalesce(sum(size), 0) FROM objects WHERE owner = $1 AND deleted_at IS NULL)
            + (SELECT coalesce(sum(size), 0) FROM uploads WHERE owner = $1 AND completed_at IS NULL AND expires_at > now()) AS used`,
      [owner],
    )
    return Number(r.rows[0]?.used ?? 0)
  }

  async saveOrders(uploadId: string, seg: number, placements: OrderedPiece[]): Promise<void> {
    await this.db.query(
      `INSERT INTO upload_segments (upload_id, seg, placements) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (upload_id, seg) DO UPDATE SET placements = EXCLUDED.placements WHERE NOT upload_segments.committed`,
      [uploadId, seg, JSON.stringify(placements)],
    )
  }

  async orders(uploadId: string, seg: number): Promise<{ placements: OrderedPiece[]; committed: boolean } | undefined> {
    const r = await this.db.query<{ placements: OrderedPiece[]; committed: boolean }>('SELECT placements, committed FROM upload_segments WHERE upload_id = $1 AND seg = $2', [uploadId, seg])
    return r.rows[0]
  }

  async commitSegment(uploadId: string, seg: number, sizes: { plainSize: number; cipherSize: number; shardSize: number }, pieces: CommittedPiece[]): Promise<void> {
    await this.db.query(
      `WITH seg AS (
         UPDATE upload_segments SET plain_size = $3, cipher_size = $4, shard_size = $5, committed = true
         WHERE upload_id = $1 AND seg = $2 RETURNING upload_id)
       INSERT INTO pieces (upload_id, seg, piece_index, cid, node_id, size, merkle_root)
       SELECT $1, $2, p.idx, p.cid, p.node_id, p.size, p.merkle_root
       FROM jsonb_to_recordset($6::jsonb) AS p(idx integer, cid text, node_id text, size bigint, merkle_root text), seg
       ON CONFLICT (upload_id, seg, piece_index) DO UPDATE SET cid = EXCLUDED.cid, node_id = EXCLUDED.node_id,
         size = EXCLUDED.size, merkle_root = EXCLUDED.merkle_root, status = 'healthy', updated_at = now()`,
      [
        uploadId,
        seg,
        sizes.plainSize,
        sizes.cipherSize,
        sizes.shardSize,
        JSON.stringify(pieces.map((p) => ({ idx: p.index, cid: p.cid, node_id: p.nodeId, size: p.size, merkle_root: p.merkleRoot }))),
      ],
    )
  }

  async committedSegments(uploadId: string): Promise<CommittedSegment[]> {
    const segs = await this.db.query<{ seg: number; plain_size: string | number; cipher_size: string | number; shard_size: number }>(
      'SELECT seg, plain_size, cipher_size, shard_size FROM upload_segments WHERE upload_id = $1 AND committed ORDER BY seg',
      [uploadId],
    )
    const pieces = await this.db.query<{ seg: number; piece_index: number; cid: string }>(
      'SELECT seg, piece_index, cid FROM pieces WHERE upload_id = $1 ORDER BY seg, piece_index',
      [uploadId],
    )
    return segs.rows.map((s) => ({
      seg: s.seg,
      plainSize: Number(s.plain_size),
      cipherSize: Number(s.cipher_size),
      shardSize: s.shard_size,
      pieces: pieces.rows.filter((p) => p.seg === s.seg).map((p) => ({ index: p.piece_index, cid: p.cid })),
    }))
  }
}
