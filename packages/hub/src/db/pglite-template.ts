/**
 * A migrated, empty PGlite database to copy instead of creating one: a new PGlite directory costs
 * an initdb (2–3 s here), a copy of a migrated one about a fifth of that. For tests, which start
 * hundreds of hubs on fresh homes; a hub never needs it (it opens whatever `<home>/hub/db` holds).
 *
 * The template lives in node_modules/.cache, named by a digest of the migrations and the PGlite
 * version, so a changed migration makes a new one. It is built in a private temporary directory
 * and renamed into place, so processes that race to build it never see half of one.
 */
import { createHash, randomBytes } from 'node:crypto'
import { cp, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { migrate, MIGRATIONS_DIR } from './open.js'
import { openPglite } from './pglite.js'

const NODE_MODULES = new URL('../../../../node_modules/', import.meta.url)
const CACHE_DIR = fileURLToPath(new URL('.cache/w3ai/', NODE_MODULES))

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/** The digest that names the template: every migration's name and text, and the PGlite version. */
async function templateKey(): Promise<string> {
  const hash = createHash('sha256')
  const pgliteVersion = (JSON.parse(await readFile(new URL('@electric-sql/pglite/package.json', NODE_MODULES), 'utf8')) as { version: string }).version
  hash.update(`pglite ${pgliteVersion}\n`)
  for (const f of (await readdir(MIGRATIONS_DIR)).sort()) hash.update(`${f}\n`).update(await readFile(join(MIGRATIONS_DIR, f)))
  return hash.digest('hex').slice(0, 16)
}

let template: Promise<string> | undefined

/** The template's directory, built first if this is the first call with these migrations; looked up once per process. */
export function pgliteTemplate(): Promise<string> {
  template ??= findOrBuildTemplate()
  // A failed build is not kept: the next call tries again.
  template.catch(() => (template = undefined))
  return template
}

async function findOrBuildTemplate(): Promise<string> {
  const dir = join(CACHE_DIR, `pglite-${await templateKey()}`)
  if (await exists(dir)) return dir
  await mkdir(CACHE_DIR, { recursive: true, mode: 0o700 })
  const building = join(CACHE_DIR, `building-${randomBytes(6).toString('hex')}`)
  try {
    const db = await openPglite(join(building, 'db'))
    await migrate(db)
    await db.close()
    await rename(join(building, 'db'), dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another process renamed its template into place first: use that one.
      if (!(await exists(dir))) throw err
    })
  } finally {
    await rm(building, { recursive: true, force: true })
  }
  return dir
}

/**
 * Puts a copy of the migrated template at `<home>/hub/db`, where a hub on `home` opens its
 * PGlite database; does nothing when a database is already there.
 */
export async function seedPgliteHome(home: string): Promise<void> {
  const target = join(home, 'hub', 'db')
  if (await exists(target)) return
  const template = await pgliteTemplate()
  await mkdir(join(home, 'hub'), { recursive: true, mode: 0o700 })
  await cp(template, target, { recursive: true })
}
