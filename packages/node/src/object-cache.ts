/**
 * Opened objects this node reuses across tasks: models and WebAssembly modules, by CID (the CID
 * names the content, so a hit is the same bytes). A task still needs its own wrapped key to be
 * claimed; the cache only saves fetching and decrypting the pieces again. Bounded by total bytes,
 * least recently used first out; one fetch per CID at a time.
 */
export class ObjectCache {
  private readonly entries = new Map<string, Buffer>()
  private readonly pending = new Map<string, Promise<Buffer>>()
  private bytes = 0

  constructor(
    private readonly maxBytes: number,
    /** Larger objects are not kept (they would push everything else out). */
    private readonly maxEntryBytes = Math.floor(maxBytes / 4),
  ) {}

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes }
  }

  /** The object's bytes from the cache, else from `open` (then kept if small enough). */
  async get(cid: string, open: () => Promise<Buffer>): Promise<Buffer> {
    const hit = this.entries.get(cid)
    if (hit !== undefined) {
      this.entries.delete(cid)
      this.entries.set(cid, hit)
      return hit
    }
    const inFlight = this.pending.get(cid)
    if (inFlight !== undefined) return inFlight
    const loading = open().then((bytes) => {
      this.put(cid, bytes)
      return bytes
    })
    this.pending.set(cid, loading)
    try {
      return await loading
    } finally {
      this.pending.delete(cid)
    }
  }

  private put(cid: string, bytes: Buffer): void {
    if (bytes.length > this.maxEntryBytes || this.entries.has(cid)) return
    this.entries.set(cid, bytes)
    this.bytes += bytes.length
    for (const [oldest, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break
      this.entries.delete(oldest)
      this.bytes -= value.length
    }
  }
}
