/** SQL for deployments and their replicas (which node serves which model, with its wrapped key). */
import type { Deployment, DeploymentStatus, ReplicaState, ServingState } from '@w3ai/protocol'
import type { Database } from '../../db/types.js'
import { keysetTime, NewestFirst, type Page, type PageRequest } from '../../infra/paging.js'

interface RawDeployment {
  id: string
  owner: string
  model_cid: string
  status: 'awaiting-keys' | 'active' | 'stopped'
  replicas: number
  max_batch: number
  candidates: string[]
  io: Deployment['io']
  requests: string | number
  failures: string | number
  created_at: Date | string
}

export interface DeploymentRow {
  id: string
  owner: string
  model: string
  status: 'awaiting-keys' | 'active' | 'stopped'
  replicas: number
  maxBatch: number
  candidates: string[]
  io: Deployment['io']
  requests: number
  failures: number
  createdAt: string
}

export interface ReplicaRow {
  deploymentId: string
  nodeId: string
  state: ReplicaState
  error: { code: string; message: string } | null
  updatedAt: string
  wrappedKey: unknown
  nodeStatus: string
  endpoint: string
}

const iso = (d: Date | string): string => new Date(d).toISOString()
const toRow = (r: RawDeployment): DeploymentRow => ({
  id: r.id,
  owner: r.owner,
  model: r.model_cid,
  status: r.status,
  replicas: r.replicas,
  maxBatch: r.max_batch,
  candidates: r.candidates,
  io: r.io,
  requests: Number(r.requests),
  failures: Number(r.failures),
  createdAt: iso(r.created_at),
})

const REPLICA_COLUMNS = `r.deployment_id, r.node_id, r.state, r.error, r.updated_at, r.wrapped_key, coalesce(n.status, 'offline') AS node_status, coalesce(n.endpoint, '') AS endpoint`
type RawReplica = { deployment_id: string; node_id: string; state: ReplicaState; error: ReplicaRow['error']; updated_at: Date | string; wrapped_key: unknown; node_status: string; endpoint: string }
const toReplica = (r: RawReplica): ReplicaRow => ({
  deploymentId: r.deployment_id,
  nodeId: r.node_id,
  state: r.state,
  error: r.error,
  updatedAt: iso(r.updated_at),
  wrappedKey: r.wrapped_key,
  nodeStatus: r.node_status,
  endpoint: r.endpoint,
})

const DEPLOYMENT_PAGES = new NewestFirst('deployments', /^d_[0-9a-f]{24}$/)

export class DeploymentStore {
  constructor(private readonly db: Database) {}

  async create(d: { id: string; owner: string; model: string; replicas: number; maxBatch: number; candidates: string[] }): Promise<void> {
    await this.db.query(
      `INSERT INTO deployments (id, owner, model_cid, status, replicas, max_batch, candidates) VALUES ($1, $2, $3, 'awaiting-keys', $4, $5, $6::text[])`,
      [d.id, d.owner, d.model, d.replicas, d.maxBatch, d.candidates],
    )
  }

  async get(id: string): Promise<DeploymentRow | undefined> {
    const r = await this.db.query<RawDeployment>('SELECT * FROM deployments WHERE id = $1', [id])
    return r.rows[0] === undefined ? undefined : toRow(r.rows[0])
  }

  /** The owner's deployments, newest first, one page after `request.cursor` (keyset on created_at, id). */
  async list(owner: string, request: PageRequest = {}): Promise<Page<DeploymentRow>> {
    const params: unknown[] = [owner]
    const after = DEPLOYMENT_PAGES.where(request, params, 'created_at', 'id')
    const r = await this.db.query<RawDeployment & { cursor_at: string }>(
      `SELECT *, ${keysetTime('created_at')} AS cursor_at FROM deployments WHERE owner = $1${after === undefined ? '' : ` AND ${after}`}
       ${DEPLOYMENT_PAGES.order('created_at', 'id')} LIMIT $${params.push(DEPLOYMENT_PAGES.limit(request) + 1)}`,
      params,
    )
    return DEPLOYMENT_PAGES.page(r.rows, request, (row) => row.id, toRow)
  }

  async replicas(deploymentId: string): Promise<ReplicaRow[]> {
    const r = await this.db.query<RawReplica>(
      `SELECT ${REPLICA_COLUMNS} FROM deployment_replicas r LEFT JOIN nodes n ON n.id = r.node_id WHERE r.deployment_id = $1 ORDER BY r.node_id`,
      [deploymentId],
    )
    return r.rows.map(toReplica)
  }

  /** Stores the wrapped keys as replicas and activates the deployment; false if it was not awaiting keys. */
  async activate(id: string, keys: Array<{ nodeId: string; wrappedKey: unknown }>): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const d = await tx.query(`UPDATE deployments SET status = 'active', updated_at = now() WHERE id = $1 AND status = 'awaiting-keys'`, [id])
      if (d.rowCount === 0) return false
      for (const k of keys) {
        await tx.query('INSERT INTO deployment_replicas (deployment_id, node_id, wrapped_key) VALUES ($1, $2, $3::jsonb)', [id, k.nodeId, JSON.stringify(k.wrappedKey)])
      }
      return true
    })
  }

  /** Offers new candidate nodes for replacement replicas (the owner wraps the key to them next). */
  async offer(id: string, candidates: string[]): Promise<void> {
    await this.db.query('UPDATE deployments SET candidates = $2::text[], updated_at = now() WHERE id = $1', [id, candidates])
  }

  /** Adds replicas to an active deployment and retires the ones whose nodes are gone; clears the offer. */
  async replace(id: string, keys: Array<{ nodeId: string; wrappedKey: unknown }>, retired: string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const k of keys) {
        await tx.query(
          `INSERT INTO deployment_replicas (deployment_id, node_id, wrapped_key) VALUES ($1, $2, $3::jsonb)
           ON CONFLICT (deployment_id, node_id) DO UPDATE SET wrapped_key = EXCLUDED.wrapped_key, state = 'assigned', error = NULL, updated_at = now()`,
          [id, k.nodeId, JSON.stringify(k.wrappedKey)],
        )
      }
      if (retired.length > 0) await tx.query(`UPDATE deployment_replicas SET state = 'stopped', updated_at = now() WHERE deployment_id = $1 AND node_id = ANY($2::text[])`, [id, retired])
      await tx.query(`UPDATE deployments SET candidates = '{}', updated_at = now() WHERE id = $1`, [id])
    })
  }

  async stop(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const d = await tx.query(`UPDATE deployments SET status = 'stopped', updated_at = now() WHERE id = $1 AND status <> 'stopped'`, [id])
      if (d.rowCount === 0) return false
      await tx.query(`UPDATE deployment_replicas SET state = 'stopped', updated_at = now() WHERE deployment_id = $1`, [id])
      return true
    })
  }

  /** The active deployments a node serves, with the keys wrapped to it. */
  async assignedTo(nodeId: string): Promise<Array<{ row: DeploymentRow; replica: ReplicaRow }>> {
    const r = await this.db.query<RawDeployment & { r_state: ReplicaState; r_wrapped_key: unknown; r_updated_at: Date | string }>(
      `SELECT d.*, r.state AS r_state, r.wrapped_key AS r_wrapped_key, r.updated_at AS r_updated_at
       FROM deployment_replicas r JOIN deployments d ON d.id = r.deployment_id
       WHERE r.node_id = $1 AND d.status = 'active' AND r.state <> 'stopped' ORDER BY d.created_at`,
      [nodeId],
    )
    return r.rows.map((x) => ({
      row: toRow(x),
      replica: { deploymentId: x.id, nodeId, state: x.r_state, error: null, updatedAt: iso(x.r_updated_at), wrappedKey: x.r_wrapped_key, nodeStatus: 'online', endpoint: '' },
    }))
  }

  /** A node's report on loading a model; false when it does not serve that deployment. */
  async report(deploymentId: string, nodeId: string, report: ServingState): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE deployment_replicas SET state = $3, error = $4::jsonb, updated_at = now() WHERE deployment_id = $1 AND node_id = $2 AND state <> 'stopped'`,
      [deploymentId, nodeId, report.state, JSON.stringify(report.error ?? null)],
    )
    if (r.rowCount === 0) return false
    if (report.state === 'ready' && report.io !== undefined) {
      await this.db.query('UPDATE deployments SET io = $2::jsonb WHERE id = $1 AND io IS NULL', [deploymentId, JSON.stringify(report.io)])
    }
    return true
  }

  /** Adds request counts gathered in memory since the last flush. */
  async count(deploymentId: string, requests: number, failures: number): Promise<void> {
    await this.db.query('UPDATE deployments SET requests = requests + $2, failures = failures + $3 WHERE id = $1', [deploymentId, requests, failures])
  }
}

/** A deployment's status from its replicas: ready when all serve, degraded when some do. */
export function deploymentStatus(row: DeploymentRow, replicas: readonly ReplicaRow[]): DeploymentStatus {
  if (row.status === 'awaiting-keys' || row.status === 'stopped') return row.status
  const serving = replicas.filter((r) => r.state === 'ready' && r.nodeStatus === 'online').length
  if (serving > 0) return serving >= row.replicas ? 'ready' : 'degraded'
  if (replicas.some((r) => r.state === 'assigned' && r.nodeStatus !== 'offline')) return 'starting'
  return 'failed'
}

export function deploymentView(row: DeploymentRow, replicas: readonly ReplicaRow[], pending: { requests: number; failures: number } = { requests: 0, failures: 0 }): Deployment {
  return {
    id: row.id,
    owner: row.owner,
    model: row.model,
    status: deploymentStatus(row, replicas),
    maxBatch: row.maxBatch,
    io: row.io,
    replicas: replicas.map((r) => ({ nodeId: r.nodeId, state: r.state, nodeStatus: r.nodeStatus, error: r.error, updatedAt: r.updatedAt })),
    stats: { requests: row.requests + pending.requests, failures: row.failures + pending.failures },
    createdAt: row.createdAt,
  }
}
