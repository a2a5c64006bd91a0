/** A tiny LRU map (Map keeps insertion order; a hit re-inserts the key at the end). */
export class Lru<K, V> {
  readonly #max: number
  readonly #map = new Map<K, V>()
  readonly #onEvict: (key: K, value: V) => void

  constructor(max: number, onEvict: (key: K, value: V) => void) {
    this.#max = Math.max(1, max)
    this.#onEvict = onEvict
  }

  get(key: K): V | undefined {
    const value = this.#map.get(key)
    if (value !== undefined) {
      this.#map.delete(key)
      this.#map.set(key, value)
    }
    return value
  }

  set(key: K, value: V): void {
    this.#map.delete(key)
    this.#map.set(key, value)
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value as K
      const evicted = this.#map.get(oldest) as V
      this.#map.delete(oldest)
      this.#onEvict(oldest, evicted)
    }
  }

  delete(key: K): void {
    this.#map.delete(key)
  }

  /** Removes a key as if it had been evicted (the eviction callback runs). */
  evict(key: K): void {
    const value = this.#map.get(key)
    if (value === undefined) return
    this.#map.delete(key)
    this.#onEvict(key, value)
  }

  keys(): K[] {
    return [...this.#map.keys()]
  }

  values(): V[] {
    return [...this.#map.values()]
  }

  clear(): void {
    this.#map.clear()
  }
}
