import { lstat, readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createHub } from '../src/index.js'
import { tempHome } from './helpers.js'

async function walk(root: string, visit: (path: string, mode: number, file: boolean) => Promise<void>): Promise<void> {
  const info = await lstat(root).catch(() => undefined)
  if (info === undefined || info.isSymbolicLink()) return
  await visit(root, info.mode, info.isFile())
  if (info.isDirectory()) for (const name of await readdir(root).catch(() => [])) await walk(join(root, name), visit)
}

/**
 * Issue 8 A2 for a hub embedded in a process with the usual umask (022): its home, PGlite's files
 * (laid down 0666 by PGlite) and the key file are its user's alone once it has started and stopped.
 */
describe('an embedded hub on PGlite', () => {
  it('leaves nothing under its home open to group or others, and no private key outside the key file', async () => {
    const home = await tempHome()
    try {
      const hub = createHub({ home: home.dir, port: 0, logLevel: false, env: {} })
      await hub.start()
      await hub.stop()
      const open: string[] = []
      await walk(home.dir, async (path, mode) => {
        if ((mode & 0o077) !== 0) open.push(`${(mode & 0o777).toString(8)} ${relative(home.dir, path)}`)
      })
      expect(open).toEqual([])

      const keyFile = join(home.dir, 'hub', 'network-key.json')
      const der = Buffer.from((JSON.parse(await readFile(keyFile, 'utf8')) as { signingKeyPkcs8: string }).signingKeyPkcs8, 'base64url')
      const forms = [der, der.subarray(der.length - 32), Buffer.from(der.toString('base64url')), Buffer.from(der.toString('base64'))]
      const holding: string[] = []
      await walk(join(home.dir, 'hub', 'db'), async (path, _mode, file) => {
        if (file) {
          const bytes = await readFile(path)
          if (forms.some((f) => bytes.includes(f))) holding.push(relative(home.dir, path))
        }
      })
      expect(holding).toEqual([])
    } finally {
      await home.cleanup()
    }
  })
})
