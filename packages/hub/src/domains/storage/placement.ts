/** Candidate nodes for new pieces: online, with free disk, spread over regions (@w3ai/storage decides). */
import { choosePlacement } from '@w3ai/storage'
import type { Queryable } from '../../db/types.js'

export interface PlacementTarget {
  id: string
  endpoint: string
}

// A random sample bounds the work per segment however large the network grows.
const SAMPLE = 500

export async function placePieces(db: Queryable, count: number, minFreeGb: number, exclude: Set<string> = new Set()): Promise<PlacementTarget[]> {
  const r = await db.query<{ id: string; region: string; lat: number; lon: number; endpoint: string; free_gb: number }>(
    `SELECT id, region, (location->>'lat')::float8 AS lat, (location->>'lon')::float8 AS lon, endpoint,
            (capabilities->>'diskGb')::float8 - coalesce((load->>'diskUsedGb')::float8, 0) AS free_gb
     FROM nodes WHERE status = 'online' ORDER BY random() LIMIT ${SAMPLE}`,
  )
  const candidates = r.rows
    .filter((n) => n.free_gb >= minFreeGb)
    .map((n) => ({ id: n.id, region: n.region, location: { lat: n.lat, lon: n.lon }, freeGb: n.free_gb, status: 'online' as const }))
  const ids = choosePlacement(candidates, count, { exclude })
  const endpoints = new Map(r.rows.map((n) => [n.id, n.endpoint]))
  return ids.map((id) => ({ id, endpoint: endpoints.get(id) ?? '' }))
}

/** How many online nodes could take a piece of this size now. */
export async function countPlaceable(db: Queryable, minFreeGb: number): Promise<number> {
  const r = await db.query<{ c: string | number }>(
    `SELECT count(*) AS c FROM nodes WHERE status = 'online'
       AND (capabilities->>'diskGb')::float8 - coalesce((load->>'diskUsedGb')::float8, 0) >= $1`,
    [minFreeGb],
  )
  return Number(r.rows[0]?.c ?? 0)
}
