/** Keeps the last `capacity` bytes of a stream: the end of a dying process's stderr says why. */
export class TailBuffer {
  #chunks: Buffer[] = []
  #size = 0
  #dropped = 0

  constructor(private readonly capacity: number) {}

  push(chunk: Buffer): void {
    this.#chunks.push(chunk)
    this.#size += chunk.length
    while (this.#size > this.capacity && this.#chunks.length > 0) {
      const first = this.#chunks[0]!
      const excess = this.#size - this.capacity
      if (first.length <= excess) {
        this.#chunks.shift()
        this.#size -= first.length
        this.#dropped += first.length
      } else {
        this.#chunks[0] = first.subarray(excess)
        this.#size -= excess
        this.#dropped += excess
      }
    }
  }

  toString(): string {
    const text = Buffer.concat(this.#chunks).toString('utf8')
    return this.#dropped > 0 ? `[${this.#dropped} bytes dropped]\n${text}` : text
  }
}
