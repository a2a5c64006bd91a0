/**
 * The network's order-signing key, created by the first hub and shared by all through the
 * database (a piece order from any hub is valid at every node).
 */
import { generateIdentity, identityFromFile, identityToFile, type Identity } from '@w3ai/crypto'
import type { Queryable } from '../db/types.js'

export async function loadNetworkKey(db: Queryable): Promise<Identity> {
  const read = async (): Promise<Identity | undefined> => {
    const r = await db.query<{ private_key: string }>('SELECT private_key FROM network_keys WHERE id = 1')
    const row = r.rows[0]
    return row === undefined ? undefined : identityFromFile(JSON.parse(row.private_key))
  }
  const existing = await read()
  if (existing !== undefined) return existing
  const fresh = generateIdentity('node')
  await db.query('INSERT INTO network_keys (id, public_key, private_key) VALUES (1, $1, $2) ON CONFLICT DO NOTHING', [
    fresh.publicKey,
    JSON.stringify(identityToFile(fresh)),
  ])
  const stored = await read()
  if (stored === undefined) throw new Error('network key missing after insert')
  return stored
}
