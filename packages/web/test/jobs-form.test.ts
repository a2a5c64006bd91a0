/**
 * The "Run a job" form: the jobs it submits pass the hub's own validation, its messages for
 * incomplete forms, and the built-in programs are the compute package's WAT fixtures, assembled.
 */
import { describe, expect, it } from 'vitest'
import type { JobSubmit } from '@w3ai/protocol'
import { counterWat, uppercaseWat, wat } from '../../compute/test/wasm-fixtures.js'
import { BUILTIN_PROGRAMS } from '../src/jobs/builtin-programs.js'
import { INITIAL_FORM, jobOf, type RunForm } from '../src/jobs/run-form.js'

const CID_A = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const CID_B = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
// The hub's submit-time check, wherever the hub's restructuring keeps it (a domain's validate.ts).
const candidates = import.meta.glob<{ validateJob?: (job: JobSubmit) => void }>(['../../hub/src/**/validate.ts', '../../compute/src/**/validate.ts'])
async function hubValidator(): Promise<(job: JobSubmit) => void> {
  for (const load of Object.values(candidates)) {
    const mod = await load()
    if (typeof mod.validateJob === 'function') return mod.validateJob
  }
  throw new Error("The hub's validateJob was not found: update this test's glob")
}
const form = (patch: Partial<RunForm>): RunForm => ({ ...INITIAL_FORM, ...patch })

describe('run-a-job form', () => {
  it('ships the word count and upper-case programs as assembled from their WAT source', () => {
    const byId = new Map(BUILTIN_PROGRAMS.map((p) => [p.id, p]))
    expect(Array.from(byId.get('count')!.bytes())).toEqual(Array.from(wat(counterWat)))
    expect(Array.from(byId.get('upper')!.bytes())).toEqual(Array.from(wat(uppercaseWat())))
    expect(new Set(BUILTIN_PROGRAMS.map((p) => p.fileName)).size).toBe(BUILTIN_PROGRAMS.length)
  })

  it('makes jobs the hub accepts: a built-in over a file, your own module, your own model', async () => {
    const validateJob = await hubValidator()
    const jobs = [
      jobOf(form({ program: 'count', input: CID_A }), CID_B),
      jobOf(form({ program: 'wasm', code: CID_B, input: CID_A, args: ' -n  3 ' })),
      jobOf(form({ program: 'wasm', code: CID_B })),
      jobOf(form({ program: 'onnx', code: CID_B })),
    ]
    expect(jobs).toEqual([
      { executor: 'wasm', inputs: { module: CID_B, input: CID_A } },
      { executor: 'wasm', inputs: { module: CID_B, input: CID_A }, params: { args: ['-n', '3'] } },
      { executor: 'wasm', inputs: { module: CID_B } },
      { executor: 'onnx', inputs: { model: CID_B }, params: { tensors: { x: { type: 'float32', dims: [1, 4], data: [1, 2, 3, 4] } } } },
    ])
    for (const job of jobs) expect(() => validateJob(job)).not.toThrow()
  })

  it('says what is missing before anything is sent', () => {
    expect(() => jobOf(form({ program: 'count' }), CID_B)).toThrow(/Pick the file/)
    expect(() => jobOf(form({ program: 'wasm' }))).toThrow(/WASI module/)
    expect(() => jobOf(form({ program: 'onnx' }))).toThrow(/ONNX model/)
    expect(() => jobOf(form({ program: 'onnx', code: CID_B, tensors: '{x' }))).toThrow(/not JSON/)
    expect(() => jobOf(form({ program: 'onnx', code: CID_B, tensors: '[]' }))).toThrow(/object of named tensors/)
  })
})
