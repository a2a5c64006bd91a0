/**
 * stdin, stdout and stderr of a WASI module, served from memory instead of file descriptors.
 * node:wasi only reads and writes real fds, which would mean temp files or pipes and no way to
 * stop a module that writes gigabytes; intercepting fd_read / fd_write for fds 0-2 keeps the
 * input in memory, ends the run the moment stdout passes the output limit, and keeps only a
 * bounded head of stderr. Every other WASI call goes to node:wasi unchanged.
 */
import { SandboxError } from '../sandbox/errors.js'

// WASI preview1 errno values.
const ERRNO_SUCCESS = 0
const ERRNO_BADF = 8
const ERRNO_FAULT = 21

type WasiFunction = (...args: number[]) => number

export interface StdioLimits {
  maxStdoutBytes: number
  maxStderrBytes: number
}

export class MemoryStdio {
  readonly #stdin: Uint8Array
  #stdinPos = 0
  readonly #stdout: Uint8Array[] = []
  #stdoutBytes = 0
  readonly #stderr: Uint8Array[] = []
  #stderrBytes = 0
  #stderrTruncated = false
  #memory: WebAssembly.Memory | undefined

  constructor(stdin: Uint8Array, private readonly limits: StdioLimits) {
    this.#stdin = stdin
  }

  /** The module's memory, known only after instantiation. */
  attach(memory: WebAssembly.Memory): void {
    this.#memory = memory
  }

  /** node:wasi's import functions with fd_read / fd_write replaced for fds 0, 1 and 2. */
  wrap(wasi: WebAssembly.ModuleImports): WebAssembly.ModuleImports {
    const fdRead = wasi['fd_read'] as unknown as WasiFunction
    const fdWrite = wasi['fd_write'] as unknown as WasiFunction
    return {
      ...wasi,
      fd_read: (fd: number, iovs: number, iovsLen: number, nread: number) =>
        fd > 2 ? fdRead(fd, iovs, iovsLen, nread) : this.#read(fd, iovs, iovsLen, nread),
      fd_write: (fd: number, iovs: number, iovsLen: number, nwritten: number) =>
        fd > 2 ? fdWrite(fd, iovs, iovsLen, nwritten) : this.#write(fd, iovs, iovsLen, nwritten),
    }
  }

  stdout(): Uint8Array {
    return Buffer.concat(this.#stdout)
  }

  stderr(): { text: string; truncated: boolean } {
    return { text: Buffer.concat(this.#stderr).toString('utf8'), truncated: this.#stderrTruncated }
  }

  /** The iovec array as [pointer, length] pairs, or undefined if any of it is out of bounds. */
  #iovecs(view: DataView, iovs: number, iovsLen: number): Array<[number, number]> | undefined {
    const size = view.byteLength
    if (iovs < 0 || iovsLen < 0 || iovs + iovsLen * 8 > size) return undefined
    const out: Array<[number, number]> = []
    for (let i = 0; i < iovsLen; i++) {
      const ptr = view.getUint32(iovs + i * 8, true)
      const len = view.getUint32(iovs + i * 8 + 4, true)
      if (ptr + len > size) return undefined
      out.push([ptr, len])
    }
    return out
  }

  #read(fd: number, iovs: number, iovsLen: number, nread: number): number {
    if (fd !== 0 || this.#memory === undefined) return ERRNO_BADF
    const buffer = this.#memory.buffer
    const view = new DataView(buffer)
    const vecs = this.#iovecs(view, iovs, iovsLen)
    if (vecs === undefined || nread + 4 > view.byteLength) return ERRNO_FAULT
    let total = 0
    for (const [ptr, len] of vecs) {
      const chunk = this.#stdin.subarray(this.#stdinPos, this.#stdinPos + len)
      new Uint8Array(buffer, ptr, chunk.length).set(chunk)
      this.#stdinPos += chunk.length
      total += chunk.length
      if (chunk.length < len) break
    }
    view.setUint32(nread, total, true)
    return ERRNO_SUCCESS
  }

  #write(fd: number, iovs: number, iovsLen: number, nwritten: number): number {
    if (fd === 0 || this.#memory === undefined) return ERRNO_BADF
    const buffer = this.#memory.buffer
    const view = new DataView(buffer)
    const vecs = this.#iovecs(view, iovs, iovsLen)
    if (vecs === undefined || nwritten + 4 > view.byteLength) return ERRNO_FAULT
    let total = 0
    for (const [ptr, len] of vecs) {
      // Copy out: the module may overwrite or grow (detach) its memory right after this call.
      const bytes = new Uint8Array(buffer, ptr, len).slice()
      total += len
      if (fd === 1) this.#appendStdout(bytes)
      else this.#appendStderr(bytes)
    }
    view.setUint32(nwritten, total, true)
    return ERRNO_SUCCESS
  }

  #appendStdout(bytes: Uint8Array): void {
    this.#stdoutBytes += bytes.length
    if (this.#stdoutBytes > this.limits.maxStdoutBytes) {
      // Thrown through the module's frames to wasi.start: the run stops here.
      throw new SandboxError('COMPUTE_OUTPUT_TOO_LARGE', `The module wrote more than ${this.limits.maxStdoutBytes} bytes to stdout`)
    }
    this.#stdout.push(bytes)
  }

  #appendStderr(bytes: Uint8Array): void {
    const room = this.limits.maxStderrBytes - this.#stderrBytes
    if (bytes.length > room) this.#stderrTruncated = true
    const kept = bytes.subarray(0, Math.max(0, room))
    if (kept.length > 0) {
      this.#stderr.push(kept)
      this.#stderrBytes += kept.length
    }
  }
}
