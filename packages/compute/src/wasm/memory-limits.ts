/**
 * Caps a module's linear memory before it is compiled. A module that declares no maximum may grow
 * to 4 GiB, and untouched WebAssembly pages do not even show in RSS until written; with a
 * declared maximum, memory.grow past it returns -1 inside the module, the same way on every node,
 * which keeps results comparable between nodes. Only the limits fields of the memory and import
 * sections are rewritten; every other byte is copied as is.
 */
import { SandboxError } from '../sandbox/errors.js'

export const WASM_PAGE_BYTES = 64 * 1024

export interface CappedMemory {
  /** Set when the module imports this memory: the executor must provide it. */
  imported: { module: string; name: string } | undefined
  initial: number
  maximum: number
  shared: boolean
}

export interface CappedModule {
  bytes: Uint8Array<ArrayBuffer>
  memories: CappedMemory[]
}

const SECTION_IMPORT = 2
const SECTION_MEMORY = 5

class Reader {
  constructor(readonly bytes: Uint8Array, public pos: number, readonly end: number) {}

  byte(): number {
    if (this.pos >= this.end) throw new Error('unexpected end of section')
    return this.bytes[this.pos++]!
  }

  /** Unsigned LEB128, at most 5 bytes (u32). */
  u32(): number {
    let result = 0
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte()
      result += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) return result
    }
    throw new Error('malformed LEB128 integer')
  }

  /** Signed LEB128 (s33 heap types), value unused: only skipped. */
  skipSleb(): void {
    while ((this.byte() & 0x80) !== 0);
  }

  name(): string {
    const length = this.u32()
    if (this.pos + length > this.end) throw new Error('name runs past its section')
    const text = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + length))
    this.pos += length
    return text
  }
}

function writeU32(value: number): number[] {
  const out: number[] = []
  do {
    let b = value & 0x7f
    value = Math.floor(value / 128)
    if (value !== 0) b |= 0x80
    out.push(b)
  } while (value !== 0)
  return out
}

interface Splice {
  start: number
  end: number
  bytes: number[]
}

/** Reads one `limits` at the reader, caps it, and records the bytes that replace it. */
function capLimits(r: Reader, maxPages: number, imported: CappedMemory['imported'], splices: Splice[]): CappedMemory {
  const start = r.pos
  const flags = r.byte()
  if ((flags & 0x04) !== 0) throw new SandboxError('COMPUTE_BAD_MODULE', '64-bit memories are not supported')
  const initial = r.u32()
  const declaredMax = (flags & 0x01) !== 0 ? r.u32() : undefined
  if (initial > maxPages) {
    throw new SandboxError('COMPUTE_MEMORY_LIMIT', `The module needs ${initial} memory pages at start; the limit is ${maxPages}`)
  }
  const maximum = Math.min(declaredMax ?? maxPages, maxPages)
  splices.push({ start, end: r.pos, bytes: [flags | 0x01, ...writeU32(initial), ...writeU32(maximum)] })
  return { imported, initial, maximum, shared: (flags & 0x02) !== 0 }
}

function skipValueType(r: Reader): void {
  const type = r.byte()
  // (ref null ht) / (ref ht) from the reference-types and GC proposals carry a heap type.
  if (type === 0x63 || type === 0x64) r.skipSleb()
}

function scanImports(r: Reader, maxPages: number, splices: Splice[], memories: CappedMemory[]): void {
  const count = r.u32()
  for (let i = 0; i < count; i++) {
    const module = r.name()
    const name = r.name()
    const kind = r.byte()
    if (kind === 0x00) r.u32()
    else if (kind === 0x01) {
      skipValueType(r)
      const flags = r.byte()
      r.u32()
      if ((flags & 0x01) !== 0) r.u32()
    } else if (kind === 0x02) memories.push(capLimits(r, maxPages, { module, name }, splices))
    else if (kind === 0x03) {
      skipValueType(r)
      r.byte()
    } else if (kind === 0x04) {
      r.byte()
      r.u32()
    } else throw new Error(`unknown import kind ${kind}`)
  }
}

/** Returns the module with every memory's maximum at most `maxPages`, and those memories. */
export function capMemory(bytes: Uint8Array, maxPages: number): CappedModule {
  try {
    return rewrite(bytes, maxPages)
  } catch (err) {
    if (err instanceof SandboxError) throw err
    throw new SandboxError('COMPUTE_BAD_MODULE', `Not a valid WebAssembly module: ${err instanceof Error ? err.message : String(err)}`)
  }
}

function rewrite(bytes: Uint8Array, maxPages: number): CappedModule {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
  if (bytes.length < 8 || header.some((b, i) => bytes[i] !== b)) throw new Error('bad magic number or version')
  const parts: Uint8Array[] = [bytes.subarray(0, 8)]
  const memories: CappedMemory[] = []
  const top = new Reader(bytes, 8, bytes.length)
  while (top.pos < bytes.length) {
    const sectionStart = top.pos
    const id = top.byte()
    const size = top.u32()
    const contentStart = top.pos
    const contentEnd = contentStart + size
    if (contentEnd > bytes.length) throw new Error(`section ${id} runs past the end of the module`)
    top.pos = contentEnd
    if (id !== SECTION_IMPORT && id !== SECTION_MEMORY) {
      parts.push(bytes.subarray(sectionStart, contentEnd))
      continue
    }
    const splices: Splice[] = []
    const r = new Reader(bytes, contentStart, contentEnd)
    if (id === SECTION_IMPORT) scanImports(r, maxPages, splices, memories)
    else {
      const count = r.u32()
      for (let i = 0; i < count; i++) memories.push(capLimits(r, maxPages, undefined, splices))
    }
    const content: Uint8Array[] = []
    let pos = contentStart
    for (const s of splices) {
      content.push(bytes.subarray(pos, s.start), Uint8Array.from(s.bytes))
      pos = s.end
    }
    content.push(bytes.subarray(pos, contentEnd))
    const newSize = content.reduce((n, c) => n + c.length, 0)
    parts.push(Uint8Array.of(id, ...writeU32(newSize)), ...content)
  }
  return { bytes: Buffer.concat(parts), memories }
}
