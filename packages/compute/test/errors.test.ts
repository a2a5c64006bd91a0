import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ERROR_CODES, W3aiError } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { executorError, executorErrorCode } from '../src/errors.js'
import { COMPUTE_ERROR_CODES, isComputeErrorCode } from '../src/sandbox/codes.js'
import { SandboxError } from '../src/sandbox/errors.js'
import { validateTrainSpec } from '../src/train/spec.js'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src')

/** The bare imports of a module and of every module it imports relatively, types excluded. */
async function bareImports(file: string, seen = new Set<string>()): Promise<Set<string>> {
  const out = new Set<string>()
  if (seen.has(file)) return out
  seen.add(file)
  const text = await readFile(file, 'utf8')
  for (const [, spec] of text.matchAll(/^(?:import|export) (?!type )[^'"]*from '([^']+)'/gm)) {
    if (spec!.startsWith('.')) for (const b of await bareImports(resolve(dirname(file), spec!.replace(/\.js$/, '.ts')), seen)) out.add(b)
    else out.add(spec!)
  }
  return out
}

describe('compute error codes', () => {
  it('live in the protocol table with a status and an actionable message', async () => {
    const used = new Set<string>()
    for (const file of ['errors.ts', 'sandbox/run.ts', 'sandbox/runner.ts', 'onnx/runner.ts', 'onnx/check-inputs.ts', 'train/trainer.ts', 'wasm/executor.ts', 'tensor/json-tensor-check.ts']) {
      for (const [code] of (await readFile(resolve(SRC, file), 'utf8')).matchAll(/\bCOMPUTE_[A-Z_]+\b/g)) used.add(code)
    }
    expect(used.size).toBeGreaterThan(15)
    for (const code of used) {
      expect(isComputeErrorCode(code), code).toBe(true)
      expect(COMPUTE_ERROR_CODES[code as keyof typeof COMPUTE_ERROR_CODES]).toBe(ERROR_CODES[code as keyof typeof ERROR_CODES])
    }
    expect(isComputeErrorCode('COMPUTE_NOPE')).toBe(false)
    expect(isComputeErrorCode('VALIDATION_FAILED')).toBe(false)
  })

  it('are thrown as W3aiErrors with the real code and its HTTP status', () => {
    const err = executorError('COMPUTE_INPUT_TOO_LARGE', 'too big', { elements: 5 })
    expect(err).toBeInstanceOf(W3aiError)
    expect([err.code, err.status, err.details]).toEqual(['COMPUTE_INPUT_TOO_LARGE', 413, { elements: 5 }])
    expect(err.toBody()).toEqual({ error: { code: 'COMPUTE_INPUT_TOO_LARGE', message: 'too big', details: { elements: 5 } } })
    const spec = (() => {
      try {
        return validateTrainSpec({})
      } catch (e) {
        return e
      }
    })() as W3aiError
    expect([spec.code, spec.status]).toEqual(['COMPUTE_BAD_SPEC', 400])
    expect(executorErrorCode(spec)).toBe('COMPUTE_BAD_SPEC')
    expect(executorErrorCode(new W3aiError('VALIDATION_FAILED'))).toBeUndefined()
    expect(executorErrorCode('COMPUTE_BAD_SPEC')).toBeUndefined()
  })

  it('SandboxError is a W3aiError whose default message and status come from the table', () => {
    const err = new SandboxError('COMPUTE_TIMEOUT')
    expect(err).toBeInstanceOf(W3aiError)
    expect([err.name, err.message, err.status]).toEqual(['SandboxError', ERROR_CODES.COMPUTE_TIMEOUT.message, 408])
    expect(executorErrorCode(err)).toBe('COMPUTE_TIMEOUT')
  })

  it('the subpath exports the hub imports load neither TF.js nor onnxruntime', async () => {
    const pkg = JSON.parse(await readFile(resolve(SRC, '../package.json'), 'utf8')) as { exports: Record<string, string> }
    for (const subpath of ['./train-spec', './json-tensor']) {
      const imports = await bareImports(resolve(SRC, '..', pkg.exports[subpath]!))
      expect([...imports].filter((i) => !i.startsWith('@sinclair/typebox') && i !== '@w3ai/protocol'), subpath).toEqual([])
    }
  })
})
