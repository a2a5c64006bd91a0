import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateIdentity, identityToFile } from '@w3ai/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createHub, loadConfig, migrate, NetworkKeyError, openDatabase, type Hub, type HubOptions } from '../src/index.js'
import { seedPgliteHome } from '../src/testing.js'
import { backends, dropSchema, freshDatabaseUrl, tempHome } from './helpers.js'

/** Issue 8 A2: the network's order key lives in a 0600 key file; the database keeps the public key only. */
describe.each(backends())('the network key on %s', (backend) => {
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  async function setup(): Promise<{ home: string; databaseUrl: string | undefined; start: (over?: Partial<HubOptions>) => Promise<Hub> }> {
    const home = await tempHome()
    const databaseUrl = freshDatabaseUrl(backend)
    cleanups.push(home.cleanup)
    if (databaseUrl === undefined) await seedPgliteHome(home.dir)
    if (databaseUrl !== undefined) cleanups.push(() => dropSchema(databaseUrl))
    const start = async (over: Partial<HubOptions> = {}): Promise<Hub> => {
      const hub = createHub({ home: home.dir, listen: false, logLevel: false, env: {}, ...(databaseUrl === undefined ? {} : { databaseUrl }), ...over })
      cleanups.push(() => hub.stop())
      await hub.start()
      return hub
    }
    return { home: home.dir, databaseUrl, start }
  }

  const orderKeyOf = async (hub: Hub): Promise<string> => (await hub.app.inject({ method: 'GET', url: '/v1/health' })).json<{ orderKey: string }>().orderKey

  async function keyFile(path: string, mode = 0o600): Promise<ReturnType<typeof generateIdentity>> {
    const id = generateIdentity('node')
    await writeFile(path, JSON.stringify(identityToFile(id)), { mode })
    await chmod(path, mode)
    return id
  }

  it('is made on first start in <home>/hub/network-key.json (0600, directory 0700); the database holds only its public key', async () => {
    const { home, databaseUrl, start } = await setup()
    const hub = await start()
    const file = join(home, 'hub', 'network-key.json')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await stat(join(home, 'hub'))).mode & 0o777).toBe(0o700)
    const saved = JSON.parse(await readFile(file, 'utf8')) as { publicKey: string; signingKeyPkcs8: string }
    expect(await orderKeyOf(hub)).toBe(saved.publicKey)
    await hub.stop()

    const db = await openDatabase({ home, databaseUrl })
    try {
      const columns = await db.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'network_keys' AND table_schema = current_schema() ORDER BY column_name")
      expect(columns.rows.map((c) => c.column_name)).toEqual(['created_at', 'id', 'public_key'])
      expect((await db.query('SELECT public_key FROM network_keys')).rows).toEqual([{ public_key: saved.publicKey }])
    } finally {
      await db.close()
    }
  })

  it('is the same key after a restart', async () => {
    const { start } = await setup()
    const first = await start()
    const key = await orderKeyOf(first)
    await first.stop()
    expect(await orderKeyOf(await start())).toBe(key)
  })

  it('comes from the file the operator names (option or W3AI_NETWORK_KEY_FILE)', async () => {
    const { home, start } = await setup()
    const named = join(home, 'shared-key.json')
    const id = await keyFile(named)
    const hub = await start({ env: { W3AI_NETWORK_KEY_FILE: named } })
    expect(await orderKeyOf(hub)).toBe(id.publicKey)
    await hub.stop()
    expect(await readdir(join(home, 'hub'))).not.toContain('network-key.json')
    expect(await orderKeyOf(await start({ networkKeyFile: named }))).toBe(id.publicKey)
  })

  it('refuses to start on a database of another network: no key file, or another key', async () => {
    const { home, start } = await setup()
    const first = await start()
    const key = await orderKeyOf(first)
    await first.stop()
    const missing = join(home, 'nowhere', 'key.json')
    const noFile = await start({ networkKeyFile: missing }).then(() => undefined, (err: unknown) => err)
    expect(noFile).toBeInstanceOf(NetworkKeyError)
    expect(String(noFile)).toContain(key)
    expect(String(noFile)).toContain(missing)
    const other = join(home, 'other-key.json')
    await keyFile(other)
    const mismatch = await start({ networkKeyFile: other }).then(() => undefined, (err: unknown) => err)
    expect(mismatch).toBeInstanceOf(NetworkKeyError)
    expect(String(mismatch)).toMatch(/same key file/)
  })

  it('refuses a key file other users may read', async () => {
    const { home, start } = await setup()
    const loose = join(home, 'loose-key.json')
    await keyFile(loose, 0o644)
    const err = await start({ networkKeyFile: loose }).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(NetworkKeyError)
    expect(String(err)).toContain(`chmod 600 ${loose}`)
  })

  it('migration 007 drops a private key kept in the database; the next hub makes a new key in its file', async () => {
    const { home, databaseUrl, start } = await setup()
    const db = await openDatabase({ home, databaseUrl })
    const old = generateIdentity('node')
    const oldFile = JSON.stringify(identityToFile(old))
    try {
      // The database as 006 left it: the private key in a row.
      await db.exec('DROP TABLE network_keys; DROP TABLE hubs')
      await db.exec('CREATE TABLE network_keys (id integer PRIMARY KEY CHECK (id = 1), public_key text NOT NULL, private_key text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())')
      await db.query('INSERT INTO network_keys (id, public_key, private_key) VALUES (1, $1, $2)', [old.publicKey, oldFile])
      await db.query("DELETE FROM schema_migrations WHERE version LIKE '007%'")
      expect(await migrate(db)).toEqual([expect.stringMatching(/^007_/)])
      const rows = await db.query<Record<string, unknown>>('SELECT * FROM network_keys')
      expect(rows.rows).toEqual([])
    } finally {
      await db.close()
    }
    const hub = await start()
    const key = await orderKeyOf(hub)
    expect(key).not.toBe(old.publicKey)
    expect(JSON.parse(await readFile(join(home, 'hub', 'network-key.json'), 'utf8')).publicKey).toBe(key)
  })
})

describe('network key and public URL configuration', () => {
  it('resolves the key file (default under the home) and validates the public URL', () => {
    expect(loadConfig({ home: '/tmp/h', env: {} }).networkKeyFile).toBe('/tmp/h/hub/network-key.json')
    expect(loadConfig({ home: '/tmp/h', env: { W3AI_NETWORK_KEY_FILE: '/etc/w3ai/key.json' } }).networkKeyFile).toBe('/etc/w3ai/key.json')
    expect(loadConfig({ home: '/tmp/h', env: { W3AI_NETWORK_KEY_FILE: '/a' }, networkKeyFile: '/b' }).networkKeyFile).toBe('/b')
    expect(loadConfig({ home: '/tmp/h', env: {} }).publicUrl).toBeUndefined()
    expect(loadConfig({ home: '/tmp/h', env: { W3AI_PUBLIC_URL: 'https://hub-a.example.org/' } }).publicUrl).toBe('https://hub-a.example.org')
    expect(() => loadConfig({ home: '/tmp/h', env: { W3AI_PUBLIC_URL: 'ftp://x' } })).toThrow(/W3AI_PUBLIC_URL/)
    expect(() => loadConfig({ home: '/tmp/h', env: {}, publicUrl: 'not a url' })).toThrow(/publicUrl/)
    expect(() => loadConfig({ home: '/tmp/h', env: {}, networkKeyFile: '/etc/w3ai/' })).toThrow(/networkKeyFile/)
  })
})
