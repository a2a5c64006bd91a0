/** The prices nodes asked at registration (nodes.prices), as the price book reads them. */
import type { NodePrices as WirePrices } from '@w3ai/protocol'
import type { Queryable } from '../../db/types.js'
import type { NodePrices } from './prices.js'

const units = (v: string | undefined): bigint | undefined => (v === undefined ? undefined : BigInt(v))

/** Reads the asked prices of these nodes; nodes that asked none are left out. */
export function storedNodePrices(db: Queryable): (nodeIds: readonly string[]) => Promise<ReadonlyMap<string, NodePrices>> {
  return async (nodeIds) => {
    const r = await db.query<{ id: string; prices: WirePrices }>('SELECT id, prices FROM nodes WHERE id = ANY($1::text[]) AND prices IS NOT NULL', [[...nodeIds]])
    return new Map(
      r.rows.map((row) => {
        const p: NodePrices = {}
        const compute = units(row.prices.computePerTaskSecond)
        const serving = units(row.prices.servingPerCall)
        const storage = units(row.prices.storagePerGiBHour)
        if (compute !== undefined) p.computePerTaskSecond = compute
        if (serving !== undefined) p.servingPerCall = serving
        if (storage !== undefined) p.storagePerGiBHour = storage
        return [row.id, p]
      }),
    )
  }
}
