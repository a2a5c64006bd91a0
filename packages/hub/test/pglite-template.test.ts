/** Test hubs start on a copy of a migrated PGlite database instead of an initdb each. */
import { readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { migrate, openDatabase } from '../src/index.js'
import { seedPgliteHome } from '../src/testing.js'
import { tempHome } from './helpers.js'

async function modes(dir: string): Promise<number[]> {
  const out: number[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) out.push((await stat(join(e.parentPath, e.name))).mode & 0o777)
  return out
}

describe('seedPgliteHome', () => {
  it('gives a fresh home a private database with every migration applied, and leaves an existing one alone', async () => {
    const home = await tempHome()
    try {
      await seedPgliteHome(home.dir)
      const db = await openDatabase({ home: home.dir })
      try {
        expect(await migrate(db)).toEqual([])
        expect((await db.query('SELECT count(*)::int AS n FROM nodes')).rows).toEqual([{ n: 0 }])
        await db.query("CREATE TABLE marker (x int)")
      } finally {
        await db.close()
      }
      expect((await modes(join(home.dir, 'hub'))).filter((m) => (m & 0o077) !== 0)).toEqual([])
      await writeFile(join(home.dir, 'unrelated'), '')
      await seedPgliteHome(home.dir)
      const again = await openDatabase({ home: home.dir })
      try {
        expect((await again.query("SELECT to_regclass('marker') IS NOT NULL AS kept")).rows).toEqual([{ kept: true }])
      } finally {
        await again.close()
      }
    } finally {
      await home.cleanup()
    }
  })
})
