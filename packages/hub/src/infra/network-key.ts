/**
 * The network's order-signing key. Hubs sign piece orders with it and nodes verify them, so with
 * it anyone could fetch, put or delete any piece: the private key lives only in a key file that
 * only the hub's user can read (`<home>/hub/network-key.json` by default, or a file the operator
 * names and copies to every hub of a multi-hub network). The database keeps the public key alone,
 * so hubs sharing a database can tell that they hold the same key.
 */
import { randomBytes } from 'node:crypto'
import { link, stat, unlink, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateIdentity, identityToFile, readIdentityFile, type Identity } from '@w3ai/crypto'
import { W3aiError } from '@w3ai/protocol'
import { privateDir } from '../db/private-files.js'
import type { Queryable } from '../db/types.js'

/** A key file or database that does not fit: the hub must not start. */
export class NetworkKeyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NetworkKeyError'
  }
}

const HOW_TO_SHARE = 'every hub of one network needs the same key file: copy it (mode 0600) from the hub that created it and name it with --network-key-file or W3AI_NETWORK_KEY_FILE'

/** Reads the key file; undefined when there is none. Refuses a file others may read or a malformed one. */
export async function readNetworkKeyFile(file: string): Promise<Identity | undefined> {
  try {
    const info = await stat(file)
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      throw new NetworkKeyError(`The network key file ${file} has mode ${(info.mode & 0o777).toString(8)}; other users may read it. Run \`chmod 600 ${file}\` (and consider the key leaked if they could).`)
    }
    return await readIdentityFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    if (err instanceof W3aiError && err.code === 'IDENTITY_CORRUPT') throw new NetworkKeyError(`The network key file ${file} cannot be read: ${err.message}`)
    throw err
  }
}

/**
 * Writes a new key file (0600, directory 0700) unless one appeared meanwhile: the file is written
 * under a temporary name and linked into place, so a hub starting at the same time either finds
 * the whole file or none. Returns the key in the file.
 */
async function createNetworkKeyFile(file: string): Promise<Identity> {
  await privateDir(dirname(file))
  const fresh = generateIdentity('node')
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(tmp, JSON.stringify(identityToFile(fresh), null, 2) + '\n', { mode: 0o600, flag: 'wx' })
  try {
    await link(tmp, file)
    return fresh
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    const other = await readNetworkKeyFile(file)
    if (other === undefined) throw err
    return other
  } finally {
    await unlink(tmp).catch(() => undefined)
  }
}

async function recordedPublicKey(db: Queryable): Promise<string | undefined> {
  const r = await db.query<{ public_key: string }>('SELECT public_key FROM network_keys WHERE id = 1')
  return r.rows[0]?.public_key
}

/**
 * The network key from `file`, created on the network's first start. Throws NetworkKeyError when
 * the database already belongs to a network whose key this hub does not hold.
 */
export async function loadNetworkKey(db: Queryable, file: string): Promise<Identity> {
  let key = await readNetworkKeyFile(file)
  const recorded = await recordedPublicKey(db)
  if (key === undefined) {
    if (recorded !== undefined) {
      throw new NetworkKeyError(`This database belongs to a network whose order key is ${recorded}, but there is no network key file at ${file}; ${HOW_TO_SHARE}.`)
    }
    key = await createNetworkKeyFile(file)
  }
  if (recorded === undefined) await db.query('INSERT INTO network_keys (id, public_key) VALUES (1, $1) ON CONFLICT DO NOTHING', [key.publicKey])
  const agreed = recorded ?? (await recordedPublicKey(db))
  if (agreed !== key.publicKey) {
    throw new NetworkKeyError(`The network key file ${file} holds order key ${key.publicKey}, but this database belongs to the network whose order key is ${agreed ?? '(none)'}; ${HOW_TO_SHARE}.`)
  }
  return key
}
