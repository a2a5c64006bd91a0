/** What `w3ai storage ls|info|put` show: object rows, health, and where the pieces are. */
import type { ObjectDetail, ObjectSummary, StoredPiece } from '@w3ai/protocol'
import { formatBytes, table } from '../output.js'

/**
 * An object's health from its weakest segment: `healthy` with all N pieces, `degraded` at or above
 * the repair threshold, `repair-needed` below it but still readable (K left), `unrecoverable` below K.
 */
export type HealthStatus = 'healthy' | 'degraded' | 'repair-needed' | 'unrecoverable'

export interface ObjectHealth {
  status: HealthStatus
  minHealthyPieces: number
  k: number
  n: number
  repairThreshold: number
}

export function healthOf(s: ObjectSummary): ObjectHealth {
  const { k, n, repairThreshold } = s.redundancy
  const min = s.minHealthyPieces
  const status: HealthStatus = min >= n ? 'healthy' : min >= repairThreshold ? 'degraded' : min >= k ? 'repair-needed' : 'unrecoverable'
  return { status, minHealthyPieces: min, k, n, repairThreshold }
}

export type PieceView = Omit<StoredPiece, 'order'>

/** `storage info --json`: the detail without the wrapped key and the bearer get-orders. */
export interface ObjectView {
  object: ObjectSummary
  health: ObjectHealth
  segments: Array<{ index: number; plainSize: number; healthy: number; pieces: PieceView[] }>
}

export function objectView(detail: ObjectDetail): ObjectView {
  return {
    object: detail.object,
    health: healthOf(detail.object),
    segments: detail.segments.map((seg) => ({
      index: seg.index,
      plainSize: detail.manifest.segments[seg.index]?.plainSize ?? 0,
      healthy: seg.healthy,
      pieces: seg.pieces.map(({ index, cid, nodeId, endpoint, nodeStatus, healthy }) => ({ index, cid, nodeId, endpoint, nodeStatus, healthy })),
    })),
  }
}

const redundancyText = (s: ObjectSummary): string => `${s.redundancy.k}/${s.redundancy.n} (repair at ${s.redundancy.repairThreshold})`

export const OBJECT_COLUMNS = ['CID', 'NAME', 'SIZE', 'REDUNDANCY', 'MIN HEALTHY', 'CREATED']

export function objectRow(s: ObjectSummary): string[] {
  return [s.cid, s.name ?? '-', formatBytes(s.size), `${s.redundancy.k}/${s.redundancy.n}`, `${s.minHealthyPieces}/${s.redundancy.n}`, s.createdAt]
}

/** The lines shared by `put` and `info`. */
export function describeSummary(s: ObjectSummary): string {
  const h = healthOf(s)
  return [
    `name        ${s.name ?? '-'}`,
    `size        ${formatBytes(s.size)} (${s.size} bytes) in ${s.segments} segment${s.segments === 1 ? '' : 's'}`,
    `redundancy  ${redundancyText(s)}`,
    `health      ${h.status}: at least ${h.minHealthyPieces} of ${h.n} pieces healthy in every segment`,
    `owner       ${s.owner}`,
    `created     ${s.createdAt}`,
  ].join('\n')
}

export function describeObject(view: ObjectView): string {
  const lines = [`object      ${view.object.cid}`, describeSummary(view.object)]
  for (const seg of view.segments) {
    lines.push('', `segment ${seg.index} (${formatBytes(seg.plainSize)}): ${seg.healthy}/${view.object.redundancy.n} healthy`)
    const rows = seg.pieces.map((p) => [String(p.index), p.cid, p.nodeId, p.nodeStatus, p.healthy ? 'yes' : 'no'])
    lines.push(
      table(['PIECE', 'CID', 'NODE', 'NODE STATUS', 'HEALTHY'], rows)
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    )
  }
  return lines.join('\n')
}
