/**
 * `--limit N` and `--all` on the list commands (issue 8 B10): `job ls`, `model deployments`,
 * `storage ls` and `nodes` against a hub holding more than a page.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateIdentity, writeIdentity } from '@w3ai/crypto'
import { createHub, openDatabase, type Hub } from '@w3ai/hub'
import { HubClient } from '@w3ai/sdk'
import { parseJson, tempHome, w3aiInProcess } from './helpers.js'

type Home = Awaited<ReturnType<typeof tempHome>>

describe('list commands page with --limit and --all', () => {
  let home: Home
  let hub: Hub
  const me = generateIdentity('account')
  const args = (...rest: string[]): string[] => [...rest, '--home', home.path, '--hub', hub.url]

  beforeAll(async () => {
    home = await tempHome()
    await writeIdentity(home.path, me)
    // The rows go in before the hub opens its embedded database.
    const hubHome = join(home.path, 'hub-home')
    const db = await openDatabase({ home: hubHome })
    const seed = randomBytes(8).toString('hex')
    await db.query(
      `INSERT INTO jobs (id, owner, executor, spec, created_at)
       SELECT 'j_' || substr(md5(g::text || $2), 1, 24), $1, 'wasm', '{}'::jsonb, now() - g * interval '1 second' FROM generate_series(1, 230) g`,
      [me.id, seed],
    )
    await db.query(
      `INSERT INTO deployments (id, owner, model_cid, status, replicas, max_batch)
       SELECT 'd_' || substr(md5(g::text || $2), 1, 24), $1, 'bafkqaaa', 'active', 1, 1 FROM generate_series(1, 12) g`,
      [me.id, seed],
    )
    await db.query(
      `WITH o AS (
         INSERT INTO objects (cid, upload_id, owner, name, size, segments, k, n, repair_threshold, manifest)
         SELECT 'bafk' || translate(md5(g::text || $2), '0189', 'qrst'), 'u_x', $1, 'f' || g, 1, 1, 1, 2, 1, '{}'::jsonb FROM generate_series(1, 9) g
         RETURNING cid)
       INSERT INTO object_keys (object_cid, account_id, wrapped_key, granted_by) SELECT cid, $1, '{}'::jsonb, $1 FROM o`,
      [me.id, seed],
    )
    await db.close()
    hub = createHub({ home: hubHome, port: 0, host: '127.0.0.1', logLevel: false })
    await hub.start()
    await new HubClient({ url: hub.url, identity: me }).createAccount()
  })
  afterAll(async () => {
    await hub?.stop()
    await home?.remove()
  })

  it('job ls: the first 100 with a note, --limit N, --all every one', async () => {
    const first = await w3aiInProcess(args('job', 'ls', '--json'))
    expect(first.code).toBe(0)
    const jobs = parseJson<Array<{ id: string }>>(first.stdout)
    expect(jobs).toHaveLength(100)
    expect(first.stderr).toContain('w3ai job ls --all')

    const five = await w3aiInProcess(args('job', 'ls', '--limit', '5', '--json'))
    expect(parseJson<Array<{ id: string }>>(five.stdout).map((j) => j.id)).toEqual(jobs.slice(0, 5).map((j) => j.id))
    expect(five.stderr).toMatch(/showing the first 5 jobs; more exist/)

    const all = await w3aiInProcess(args('job', 'ls', '--all', '--limit', '40', '--json'))
    expect(all.code).toBe(0)
    const every = parseJson<Array<{ id: string }>>(all.stdout)
    expect(every).toHaveLength(230)
    expect(new Set(every.map((j) => j.id)).size).toBe(230)
    expect(every.slice(0, 100)).toEqual(jobs)
    expect(all.stderr).toBe('')

    const table = await w3aiInProcess(args('job', 'ls', '--limit', '3'))
    expect(table.stdout.trim().split('\n')).toHaveLength(4) // header and three jobs
    expect(table.stderr).toContain('--all')
  })

  it('model deployments, storage ls and nodes take the same flags', async () => {
    const deployments = await w3aiInProcess(args('model', 'deployments', '--limit', '10', '--json'))
    expect(parseJson<unknown[]>(deployments.stdout)).toHaveLength(10)
    expect(deployments.stderr).toContain('w3ai model deployments --all')
    expect(parseJson<unknown[]>((await w3aiInProcess(args('model', 'deployments', '--all', '--limit', '5', '--json'))).stdout)).toHaveLength(12)

    const objects = await w3aiInProcess(args('storage', 'ls', '--limit', '4', '--json'))
    expect(parseJson<unknown[]>(objects.stdout)).toHaveLength(4)
    expect(objects.stderr).toContain('w3ai storage ls --all')
    const allObjects = await w3aiInProcess(args('storage', 'ls', '--all', '--json'))
    expect(parseJson<unknown[]>(allObjects.stdout)).toHaveLength(9)
    expect(allObjects.stderr).toBe('')

    const nodes = await w3aiInProcess(args('nodes', '--limit', '2', '--json'))
    expect([nodes.code, parseJson<unknown[]>(nodes.stdout), nodes.stderr]).toEqual([0, [], ''])
  })

  it('refuses a --limit outside 1..500', async () => {
    for (const bad of ['0', '501', 'ten', '-3', '2.5']) {
      const r = await w3aiInProcess(args('job', 'ls', '--limit', bad, '--json'))
      expect(r.code, bad).not.toBe(0)
      expect(parseJson<{ error: { code: string } }>(r.stdout).error.code, bad).toBe('CLI_BAD_ARGUMENT')
    }
  })
})
