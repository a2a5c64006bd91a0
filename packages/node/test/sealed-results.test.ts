/**
 * A task whose job asks for a sealed result (`sealTo`) is reported sealed to that key and bound to
 * the job; a result the hub would refuse as too large fails at once with COMPUTE_OUTPUT_TOO_LARGE.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateIdentity, isSealedResult, openResult } from '@w3ai/crypto'
import { MAX_TASK_RESULT_BYTES, W3aiError, type ClaimedTask, type SealedResult } from '@w3ai/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createNodeAgent, type ExecuteTask, type NodeAgent } from '../src/index.js'
import { startFakeHub, type FakeHub } from './fake-hub.js'

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

const task = (id: string, over: Partial<ClaimedTask> = {}): ClaimedTask =>
  ({ id, jobId: `j_${id}`, replica: 0, executor: 'wasm', params: {}, leaseId: `lease-${id}`, leaseExpiresAt: new Date(Date.now() + 60_000).toISOString(), attempt: 1, inputs: [], ...over })

describe('sealed task results', () => {
  const owner = generateIdentity('account')
  let root: string
  let hub: FakeHub
  let agent: NodeAgent | undefined

  const start = async (execute: ExecuteTask): Promise<void> => {
    agent = createNodeAgent(
      { home: join(root, 'node'), hubUrl: hub.url, logLevel: false, cpu: 1, memoryGb: 1, diskGb: 1, executors: ['wasm'], reconnect: { initialMs: 20, maxMs: 100 }, reportRetry: { initialMs: 20, maxMs: 100 }, tasks: { slots: 1, pollMs: 20 } },
      { execute },
    )
    await agent.start()
  }

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'w3ai-sealed-results-'))
    hub = await startFakeHub(50)
  })

  afterEach(async () => {
    await agent?.stop()
    await hub.stop()
    await rm(root, { recursive: true, force: true })
  })

  it('seals the result of a task that asks for it to the submitter, bound to the job, and leaves others plain', async () => {
    hub.queue.push(task('t_sealed', { sealTo: owner.encryptionKey }), task('t_plain'))
    await start(async (t) => ({ answer: `secret of ${t.id}` }))
    await until(() => hub.completed.length === 2)

    const sealed = hub.completed.find((c) => c.id === 't_sealed')!.result
    expect(isSealedResult(sealed)).toBe(true)
    expect(JSON.stringify(sealed)).not.toContain('secret')
    expect(openResult(sealed as SealedResult, owner, 'j_t_sealed')).toEqual({ answer: 'secret of t_sealed' })
    expect(() => openResult(sealed as SealedResult, owner, 'j_t_plain')).toThrow(W3aiError)
    expect(hub.completed.find((c) => c.id === 't_plain')!.result).toEqual({ answer: 'secret of t_plain' })
  })

  it('fails a result too large to report, sealed or not, with COMPUTE_OUTPUT_TOO_LARGE instead of sending it', async () => {
    // Fits as it is, but not once sealed (base64 of its JSON, a third larger).
    const text = 'x'.repeat(Math.floor(MAX_TASK_RESULT_BYTES * 0.9))
    hub.queue.push(task('t_big', { sealTo: owner.encryptionKey }), task('t_fits'))
    await start(async () => ({ text }))
    await until(() => hub.failed.length + hub.completed.length === 2)

    expect(hub.failed).toEqual([{ id: 't_big', leaseId: 'lease-t_big', error: { code: 'COMPUTE_OUTPUT_TOO_LARGE', message: expect.stringContaining('once sealed') } }])
    expect(hub.completed.map((c) => c.id)).toEqual(['t_fits'])
  })
})
