/**
 * Opened objects this node reuses across tasks: models and WebAssembly modules, by CID (the CID
 * names the content, so a hit is the same bytes). A task still needs its own wrapped key to be
 * claimed; the cache only saves fetching and decrypting the pieces again. Bounded by total bytes,
 * least recently used first out (the shared LRU of @w3ai/util); one fetch per CID at a time.
 */
import { Lru } from '@w3ai/util'

export class ObjectCache {
  private readonly entries: Lru<string, Buffer>
  private readonly pending = new Map<string, Promise<Buffer>>()

  constructor(
    maxBytes: number,
    /** Larger objects are not kept (they would push everything else out). */
    private readonly maxEntryBytes = Math.floor(maxBytes / 4),
  ) {
    this.entries = new Lru({ maxSize: maxBytes, sizeOf: (bytes) => bytes.length })
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.entries.totalSize }
  }

  /** The object's bytes from the cache, else from `open` (then kept if small enough). */
  async get(cid: string, open: () => Promise<Buffer>): Promise<Buffer> {
    const hit = this.entries.get(cid)
    if (hit !== undefined) return hit
    const inFlight = this.pending.get(cid)
    if (inFlight !== undefined) return inFlight
    const loading = open().then((bytes) => {
      if (bytes.length <= this.maxEntryBytes && !this.entries.has(cid)) this.entries.set(cid, bytes)
      return bytes
    })
    this.pending.set(cid, loading)
    try {
      return await loading
    } finally {
      this.pending.delete(cid)
    }
  }
}
