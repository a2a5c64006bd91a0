/**
 * The network a node belongs to, pinned by its order key: learned from the first hub that
 * welcomes the node (or given as `orderKey`) and kept in `<home>/network.json`. From then on the
 * node tells every hub which network it is in, so a hub of another network refuses it
 * (NODE_WRONG_NETWORK) instead of placing pieces on a node that would reject its orders; and a
 * welcome with another key never replaces the pinned one.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const NETWORK_FILE = 'network.json'
const KEY = /^[A-Za-z0-9_-]{43}$/

export class NetworkPin {
  private key: string | undefined
  private writing: Promise<void> = Promise.resolve()
  /** Whether the file holds `key`. */
  private written: boolean

  private constructor(private readonly file: string, key: string | undefined, written: boolean) {
    this.key = key
    this.written = written
  }

  /** The pin in `home`, else `given` (written at the first welcome that agrees). A malformed file counts as no pin. */
  static async load(home: string, given: string | undefined): Promise<NetworkPin> {
    const file = join(home, NETWORK_FILE)
    let stored: string | undefined
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { orderKey?: unknown }
      if (typeof parsed.orderKey === 'string' && KEY.test(parsed.orderKey)) stored = parsed.orderKey
    } catch {
      // no file yet, or unreadable: the next welcome pins the network
    }
    return new NetworkPin(file, stored ?? given, stored !== undefined)
  }

  /** The pinned order key, if any. */
  get orderKey(): string | undefined {
    return this.key
  }

  /**
   * A hub welcomed the node with `orderKey`. Pins it when nothing is pinned yet; returns false
   * when it differs from the pinned key (that hub is of another network).
   */
  welcome(orderKey: string): Promise<boolean> {
    if (this.key !== undefined && this.key !== orderKey) return Promise.resolve(false)
    if (this.key === orderKey && this.written) return Promise.resolve(true)
    this.key = orderKey
    // Writes run one after another, so the file never holds an older key than memory.
    const write = this.writing.then(() => this.write(orderKey))
    this.writing = write.catch(() => undefined)
    return write.then(() => true)
  }

  /** Resolves once every write started so far is on disk (or failed). */
  settled(): Promise<void> {
    return this.writing
  }

  private async write(orderKey: string): Promise<void> {
    const temp = `${this.file}.tmp`
    await writeFile(temp, JSON.stringify({ orderKey }) + '\n', { mode: 0o600 })
    await rename(temp, this.file)
    this.written = true
  }
}
