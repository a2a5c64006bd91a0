/**
 * onnxruntime's telemetry used to leave `mat-debug-<pid>.log` and `.ses` in the temporary
 * directory of every process that ran a model (one per ONNX job): an ONNX task leaves nothing.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runSandboxed } from '../src/index.js'
import { linearModel, randomDense } from './helpers/onnx-models.js'

describe('ONNX tasks and the temporary directory', () => {
  let dir: string
  let saved: string | undefined

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'w3ai-onnx-tmp-'))
    saved = process.env.TMPDIR
    // The sandbox child inherits TMPDIR: whatever it leaves in its temporary directory lands here.
    process.env.TMPDIR = dir
  })

  afterEach(async () => {
    if (saved === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = saved
    await rm(dir, { recursive: true, force: true })
  })

  it('runs an ONNX job in a sandbox and leaves no file in the temporary directory', async () => {
    const model = linearModel(randomDense(4, 3, 5))
    const inputs = { x: { type: 'float32', dims: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8] } }
    const { result } = await runSandboxed<{ outputs: Record<string, { dims: number[] }> }>({
      executor: 'onnx',
      payload: { model, inputs },
      limits: { timeMs: 30_000, memoryMb: 512 },
    })
    expect(result.outputs.y?.dims).toEqual([2, 3])
    // tsx keeps its compile cache there when children run from the TypeScript sources (tests do).
    const left = (await readdir(dir)).filter((name) => !/^tsx-\d+$/.test(name))
    expect(left).toEqual([])
  }, 60_000)
})
