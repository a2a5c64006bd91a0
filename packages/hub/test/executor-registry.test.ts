import { builtinExecutors, type ExecutorDescriptor } from '@w3ai/compute/executors'
import { W3aiError } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { MAX_PARAMS_BYTES, validateJob } from '../src/domains/compute/validate.js'
import { distinctResults, resultDigest, verdict } from '../src/domains/compute/verify.js'

/** An executor only this test registers: the hub learns it from its descriptor alone. */
const sum: ExecutorDescriptor = {
  name: 'sum',
  inputRoles: { required: ['numbers'], optional: [] },
  paramKeys: ['scale'],
  validate(params) {
    if (params['scale'] !== undefined && typeof params['scale'] !== 'number') throw new W3aiError('COMPUTE_BAD_INPUT', 'params.scale must be a number.')
  },
  resources: () => ({}),
  sandbox: () => ({ module: 'file:///nowhere/sum.js', exportName: 'sum' }),
  payload: async (params) => params,
  deterministic: (r) => ({ total: (r as { total: number }).total }),
  compare: (a, b, tolerance) => Math.abs((a as { total: number }).total - (b as { total: number }).total) <= tolerance,
}

const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const codeOf = (fn: () => void): string => {
  try {
    fn()
    return 'accepted'
  } catch (err) {
    return err instanceof W3aiError ? err.code : String(err)
  }
}

describe('the hub reads executors from their descriptors', () => {
  const executors = builtinExecutors().register(sum)

  it('validates a job of a test-only executor by its descriptor (roles, params, its own checks, the params cap)', () => {
    expect(codeOf(() => validateJob({ executor: 'sum', inputs: { numbers: CID }, params: { scale: 2 } }, executors))).toBe('accepted')
    expect(codeOf(() => validateJob({ executor: 'sum', inputs: {}, params: {} }, executors))).toBe('COMPUTE_BAD_INPUT')
    expect(codeOf(() => validateJob({ executor: 'sum', inputs: { numbers: CID }, params: { scale: 'x' } }, executors))).toBe('COMPUTE_BAD_INPUT')
    expect(codeOf(() => validateJob({ executor: 'sum', inputs: { numbers: CID }, params: { other: 1 } }, executors))).toBe('VALIDATION_FAILED')
    expect(codeOf(() => validateJob({ executor: 'sum', inputs: { numbers: CID }, params: { scale: 1, pad: 'x'.repeat(MAX_PARAMS_BYTES) } }, executors))).toBe('COMPUTE_INPUT_TOO_LARGE')
    // Without the descriptor the hub does not know it.
    expect(codeOf(() => validateJob({ executor: 'sum', inputs: { numbers: CID } }))).toBe('VALIDATION_FAILED')
  })

  it("settles replicas of a test-only executor with its descriptor's comparison and digests their deterministic part", () => {
    const agree = (a: unknown, b: unknown): boolean => executors.compare('sum', a, b, 0.1)
    const votes = [
      { nodeId: 'n_a', result: { total: 3, ms: 12 } },
      { nodeId: 'n_b', result: { total: 9, ms: 13 } },
      { nodeId: 'n_c', result: { total: 3.05, ms: 40 } },
    ]
    const decided = verdict(votes, agree)
    expect(decided?.winners.map((w) => w.nodeId)).toEqual(['n_a', 'n_c'])
    expect(decided?.losers.map((l) => l.nodeId)).toEqual(['n_b'])
    expect(distinctResults(votes, agree)).toBe(2)
    expect(resultDigest(executors.deterministic('sum', { total: 3, ms: 1 }))).toBe(resultDigest(executors.deterministic('sum', { ms: 2, total: 3 })))
  })

  it('digests results as RFC 8785 canonical JSON (nested keys sorted)', () => {
    expect(resultDigest({ b: { y: 1, x: [1, { d: 2, c: 3 }] }, a: 1 })).toBe(resultDigest({ a: 1, b: { x: [1, { c: 3, d: 2 }], y: 1 } }))
    expect(resultDigest({ a: 1 })).not.toBe(resultDigest({ a: 2 }))
  })
})
