/**
 * Files only their owner may read: everything a hub writes under its home is 0700 (directories)
 * and 0600 (files). PGlite lays down its initial database with 0666 files whatever the umask, so
 * the data directory is tightened after it opens and again when it closes.
 */
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'

const POSIX = process.platform !== 'win32'

/** Creates `dir` (and missing parents) as 0700 and makes `dir` itself 0700 if it existed. */
export async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  if (POSIX) await chmod(dir, 0o700)
}

/** Removes group and other permissions from `root` and everything under it (links are left alone). */
export async function restrictTree(root: string): Promise<void> {
  if (!POSIX) return
  const walk = async (path: string): Promise<void> => {
    let info
    try {
      info = await lstat(path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return // removed while we walked
      throw err
    }
    if (info.isSymbolicLink()) return
    if ((info.mode & 0o077) !== 0) {
      await chmod(path, info.mode & 0o700).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err
      })
    }
    if (info.isDirectory()) {
      const names = await readdir(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return [] as string[]
        throw err
      })
      for (const name of names) await walk(join(path, name))
    }
  }
  await walk(root)
}

