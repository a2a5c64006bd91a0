/** SQL for the datasets nodes announce: replaced as a whole at each registration, listed by name. */
import { DEFAULT_PAGE_LIMIT, type DatasetAnnouncement, type DatasetListQuery, type DatasetShape, type NodeDataset } from '@w3ai/protocol'
import type { Queryable } from '../../db/types.js'
import { decodeCursor, encodeCursor } from '../../infra/paging.js'

interface DatasetRow {
  node_id: string
  name: string
  format: NodeDataset['format']
  schema: DatasetShape
  rows: number | string
  node_status: string | null
  updated_at: Date | string
}

const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString()

function toDataset(r: DatasetRow): NodeDataset {
  return { name: r.name, nodeId: r.node_id, format: r.format, schema: r.schema, rows: Number(r.rows), nodeStatus: r.node_status ?? 'unknown', updatedAt: iso(r.updated_at) }
}

const SELECT = `SELECT d.node_id, d.name, d.format, d.schema, d.rows, d.updated_at, n.status AS node_status
  FROM node_datasets d LEFT JOIN nodes n ON n.id = d.node_id`

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const NODE = /^n_[0-9a-f]{20}$/

export class DatasetStore {
  constructor(private readonly db: Queryable) {}

  /** Makes `datasets` the node's whole set: new ones added, changed ones updated, the rest removed. */
  async replace(nodeId: string, datasets: readonly DatasetAnnouncement[]): Promise<void> {
    await this.db.query(
      `WITH gone AS (DELETE FROM node_datasets WHERE node_id = $1 AND NOT (name = ANY($2::text[])))
       INSERT INTO node_datasets (node_id, name, format, schema, rows)
       SELECT $1, v.name, v.format, v.schema, v.rows FROM jsonb_to_recordset($3::jsonb) AS v(name text, format text, schema jsonb, rows bigint)
       ON CONFLICT (node_id, name) DO UPDATE SET format = EXCLUDED.format, schema = EXCLUDED.schema, rows = EXCLUDED.rows,
         updated_at = CASE WHEN (node_datasets.format, node_datasets.schema, node_datasets.rows) IS DISTINCT FROM (EXCLUDED.format, EXCLUDED.schema, EXCLUDED.rows)
           THEN now() ELSE node_datasets.updated_at END`,
      [nodeId, datasets.map((d) => d.name), JSON.stringify(datasets)],
    )
  }

  /** A page of datasets ordered by name then node, filtered by name or node. */
  async list(query: DatasetListQuery): Promise<{ datasets: NodeDataset[]; nextCursor: string | null }> {
    const where: string[] = []
    const params: unknown[] = []
    if (query.name !== undefined) where.push(`d.name = $${params.push(query.name)}`)
    if (query.nodeId !== undefined) where.push(`d.node_id = $${params.push(query.nodeId)}`)
    if (query.cursor !== undefined) {
      const [name, node] = decodeCursor('datasets', query.cursor, [NAME, NODE]) as [string, string]
      where.push(`(d.name, d.node_id) > ($${params.push(name)}, $${params.push(node)})`)
    }
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT
    const r = await this.db.query<DatasetRow>(
      `${SELECT} ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY d.name, d.node_id LIMIT $${params.push(limit + 1)}`,
      params,
    )
    const datasets = r.rows.slice(0, limit).map(toDataset)
    const last = datasets.at(-1)
    return { datasets, nextCursor: r.rows.length > limit && last !== undefined ? encodeCursor('datasets', [last.name, last.nodeId]) : null }
  }

  /** Every node dataset with one of these names, ordered by name then node. */
  async holders(names: readonly string[]): Promise<NodeDataset[]> {
    const r = await this.db.query<DatasetRow>(`${SELECT} WHERE d.name = ANY($1::text[]) ORDER BY d.name, d.node_id`, [names])
    return r.rows.map(toDataset)
  }
}
