import { describe, expect, it } from 'vitest'
import { SandboxError, capMemory } from '../src/index.js'
import { wat } from './wasm-fixtures.js'

/** How far the memory of a capped module can grow, found by growing it from JS until it refuses. */
function grownPages(bytes: Uint8Array<ArrayBuffer>): number {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes))
  const memory = instance.exports['memory'] as WebAssembly.Memory
  while (true) {
    try {
      memory.grow(1)
    } catch {
      return memory.buffer.byteLength / 65536
    }
  }
}

describe('capMemory', () => {
  it('adds a maximum to a memory that declares none', () => {
    const capped = capMemory(wat('(module (memory (export "memory") 2))'), 10)
    expect(capped.memories).toEqual([{ imported: undefined, initial: 2, maximum: 10, shared: false }])
    expect(grownPages(capped.bytes)).toBe(10)
  })

  it('lowers a larger declared maximum and keeps a smaller one', () => {
    expect(grownPages(capMemory(wat('(module (memory (export "memory") 1 1000))'), 7).bytes)).toBe(7)
    expect(grownPages(capMemory(wat('(module (memory (export "memory") 1 3))'), 7).bytes)).toBe(3)
  })

  it('caps an imported memory and reports where it is imported from', () => {
    const capped = capMemory(wat('(module (import "wasi_snapshot_preview1" "fd_close" (func (param i32) (result i32))) (import "env" "memory" (memory 1)) (global (import "env" "g") i32) (table (import "env" "t") 1 funcref))'), 5)
    expect(capped.memories).toEqual([{ imported: { module: 'env', name: 'memory' }, initial: 1, maximum: 5, shared: false }])
    expect(WebAssembly.validate(capped.bytes)).toBe(true)
  })

  it('leaves a module without memory unchanged', () => {
    const bytes = wat('(module (func (export "f")))')
    expect(Buffer.from(capMemory(bytes, 5).bytes).equals(Buffer.from(bytes))).toBe(true)
  })

  it('refuses a module whose initial memory is over the cap, and malformed bytes', () => {
    expect(() => capMemory(wat('(module (memory 20))'), 10)).toThrow(expect.objectContaining({ code: 'COMPUTE_MEMORY_LIMIT' }))
    for (const bad of [Uint8Array.of(1, 2, 3), Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 9, 1)]) {
      expect(() => capMemory(bad, 10)).toThrow(SandboxError)
      expect(() => capMemory(bad, 10)).toThrow(expect.objectContaining({ code: 'COMPUTE_BAD_MODULE' }))
    }
  })
})
