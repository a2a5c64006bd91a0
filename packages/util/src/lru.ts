/**
 * A map that keeps the most recently used entries, bounded by a count, by a total size, or both
 * (a Map keeps insertion order; a hit moves its key to the end, so the first key is the least
 * recently used). What leaves to make room goes to `onEvict` (close a session, free a buffer).
 */
export interface LruOptions<K, V> {
  /** Most entries kept (default: no count bound). */
  maxEntries?: number
  /** Most total size kept, as `sizeOf` measures it (default: no size bound). */
  maxSize?: number
  /** An entry's size, for `maxSize` (default 1 per entry). */
  sizeOf?: (value: V, key: K) => number
  /** Told about each entry pushed out to make room, or removed by evict(). */
  onEvict?: (key: K, value: V) => void
}

export class Lru<K, V> {
  readonly #map = new Map<K, { value: V; size: number }>()
  readonly #maxEntries: number
  readonly #maxSize: number
  readonly #sizeOf: (value: V, key: K) => number
  readonly #onEvict: ((key: K, value: V) => void) | undefined
  #total = 0

  constructor(options: LruOptions<K, V>) {
    this.#maxEntries = options.maxEntries ?? Infinity
    this.#maxSize = options.maxSize ?? Infinity
    this.#sizeOf = options.sizeOf ?? (() => 1)
    this.#onEvict = options.onEvict
  }

  /** Entries kept. */
  get size(): number {
    return this.#map.size
  }

  /** The sum of the kept entries' sizes. */
  get totalSize(): number {
    return this.#total
  }

  has(key: K): boolean {
    return this.#map.has(key)
  }

  /** The value, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const entry = this.#map.get(key)
    if (entry === undefined) return undefined
    this.#map.delete(key)
    this.#map.set(key, entry)
    return entry.value
  }

  /**
   * Keeps `value` as the most recently used, then evicts the least recently used entries until
   * both bounds hold: an entry larger than maxSize on its own is evicted at once.
   */
  set(key: K, value: V): void {
    this.#remove(key)
    const size = this.#sizeOf(value, key)
    this.#map.set(key, { value, size })
    this.#total += size
    while (this.#map.size > this.#maxEntries || this.#total > this.#maxSize) {
      const [oldest, entry] = this.#map.entries().next().value as [K, { value: V; size: number }]
      this.#remove(oldest)
      this.#onEvict?.(oldest, entry.value)
    }
  }

  /** Removes the key without telling onEvict; true when it was there. */
  delete(key: K): boolean {
    return this.#remove(key) !== undefined
  }

  /** Removes the key as if it had been pushed out (onEvict runs). */
  evict(key: K): void {
    const entry = this.#remove(key)
    if (entry !== undefined) this.#onEvict?.(key, entry.value)
  }

  /** Keys, least recently used first. */
  keys(): K[] {
    return [...this.#map.keys()]
  }

  /** Values, least recently used first. */
  values(): V[] {
    return [...this.#map.values()].map((e) => e.value)
  }

  /** Empties the map without telling onEvict. */
  clear(): void {
    this.#map.clear()
    this.#total = 0
  }

  #remove(key: K): { value: V; size: number } | undefined {
    const entry = this.#map.get(key)
    if (entry === undefined) return undefined
    this.#map.delete(key)
    this.#total -= entry.size
    return entry
  }
}
