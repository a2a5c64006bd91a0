/** What `w3ai storage ls|info|put` show: object rows, health, and where the pieces are. */
import type { ObjectDetail, ObjectSummary, StoredPiece } from '@w3ai/protocol'
import { formatBytes, table } from '../output.js'

/**
 * An object's health as the hub reports it (its weakest segment): `healthy`, `repairing` (below
 * the repair threshold, repair under way), `under-replicated` (repair found nowhere to put pieces
 * and retries with backoff) or `lost` (fewer than K pieces: unreadable until nodes return).
 */
export type HealthStatus = NonNullable<ObjectSummary['health']>['state']

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
  // A hub that predates the health field: judge from the counts alone.
  const status: HealthStatus = s.health?.state ?? (min < k ? 'lost' : min >= repairThreshold ? 'healthy' : 'repairing')
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

export const OBJECT_COLUMNS = ['CID', 'NAME', 'SIZE', 'REDUNDANCY', 'MIN HEALTHY', 'HEALTH', 'CREATED']

export function objectRow(s: ObjectSummary): string[] {
  return [s.cid, s.name ?? '-', formatBytes(s.size), `${s.redundancy.k}/${s.redundancy.n}`, `${s.minHealthyPieces}/${s.redundancy.n}`, healthOf(s).status, s.createdAt]
}

const HEALTH_NOTES: Record<HealthStatus, string> = {
  healthy: '',
  repairing: '; repair is under way',
  'under-replicated': '; repair found no node to take the missing pieces and retries with backoff',
  lost: '; fewer than K pieces are healthy: unreadable until nodes come back',
}

/** The lines shared by `put` and `info`. */
export function describeSummary(s: ObjectSummary): string {
  const h = healthOf(s)
  return [
    `name        ${s.name ?? '-'}`,
    `size        ${formatBytes(s.size)} (${s.size} bytes) in ${s.segments} segment${s.segments === 1 ? '' : 's'}`,
    `redundancy  ${redundancyText(s)}`,
    `health      ${h.status}: at least ${h.minHealthyPieces} of ${h.n} pieces healthy in every segment, ${h.k} needed${HEALTH_NOTES[h.status]}`,
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
