/** Test helpers that look at what nodes and the hub keep on disk. */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'

export async function* files(dir: string): AsyncGenerator<string> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return
  }
  for (const e of entries) {
    const p = join(dir, e.name)
    if (e.isDirectory()) yield* files(p)
    else if (e.isFile()) yield p
  }
}

/** Finds the file of a piece under a node home (pieces are stored under their CID's name). */
export async function findPiece(home: string, cid: string): Promise<string | undefined> {
  for await (const f of files(home)) if (f.endsWith(cid)) return f
  return undefined
}

/**
 * Index of every 32-byte window of `plain`, keyed by its first 8 bytes, to test whether any
 * window of it appears anywhere in a haystack in one pass over the haystack.
 */
export class WindowIndex {
  private readonly index = new Map<bigint, number[]>()
  constructor(private readonly plain: Buffer, readonly width = 32) {
    for (let i = 0; i + width <= plain.length; i++) {
      const key = plain.readBigUInt64LE(i)
      const list = this.index.get(key)
      if (list === undefined) this.index.set(key, [i])
      else if (list.length < 8) list.push(i)
    }
  }

  /** Offset in `hay` of a window of the plaintext, or -1 (yields to the event loop as it goes). */
  async find(hay: Buffer): Promise<number> {
    for (let j = 0; j + this.width <= hay.length; j++) {
      // The hub and nodes under test share this process: let them breathe.
      if ((j & 0x3ffff) === 0) await new Promise((r) => setImmediate(r))
      const hits = this.index.get(hay.readBigUInt64LE(j))
      if (hits === undefined) continue
      for (const i of hits) if (hay.compare(this.plain, i, i + this.width, j, j + this.width) === 0) return j
    }
    return -1
  }
}

/** Every file under `dir` that contains a window of the plaintext or any of `needles`. */
export async function leaks(dir: string, index: WindowIndex, needles: Buffer[]): Promise<string[]> {
  const out: string[] = []
  for await (const f of files(dir)) {
    if ((await stat(f)).size > 512 * 1024 * 1024) continue
    const bytes = await readFile(f)
    if (needles.some((n) => bytes.includes(n)) || (await index.find(bytes)) >= 0) out.push(f)
  }
  return out
}
