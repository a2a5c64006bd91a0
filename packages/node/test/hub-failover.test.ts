/**
 * Several hubs serve one network: a node given two hubs (or told about the second by the first
 * one's welcome) carries on with the other when its hub dies: the heartbeat socket, registration
 * and task claims and results all move.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ClaimedTask } from '@w3ai/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createNodeAgent, type NodeAgent } from '../src/index.js'
import { startFakeHub, type FakeHub } from './fake-hub.js'

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

const task = (id: string): ClaimedTask => ({ id, jobId: `j_${id}`, replica: 0, executor: 'wasm', params: {}, leaseId: `lease-${id}`, leaseExpiresAt: new Date(Date.now() + 60_000).toISOString(), attempt: 1, inputs: [] })

describe('a node with several hubs', () => {
  let root: string
  let first: FakeHub
  let second: FakeHub
  let agent: NodeAgent | undefined

  const start = async (hubs: string[]): Promise<NodeAgent> => {
    agent = createNodeAgent(
      { home: join(root, 'node'), hubs, logLevel: false, cpu: 1, memoryGb: 1, diskGb: 1, executors: ['wasm'], reconnect: { initialMs: 20, maxMs: 100 }, tasks: { slots: 1, pollMs: 20 } },
      { execute: async (t) => ({ ranOn: t.id }) },
    )
    await agent.start()
    return agent
  }

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'w3ai-failover-'))
    second = await startFakeHub(50)
  })

  afterEach(async () => {
    await agent?.stop()
    await first.stop()
    await second.stop()
    await rm(root, { recursive: true, force: true })
  })

  it('continues with the second hub when the first dies', async () => {
    first = await startFakeHub(50)
    const node = await start([first.url, second.url])
    await until(() => node.connected && first.sockets.size === 1)
    first.queue.push(task('t_1'))
    await until(() => first.completed.length === 1)

    await first.down()
    second.queue.push(task('t_2'))
    await until(() => second.completed.length === 1 && second.sockets.size === 1 && node.connected)
    expect(node.hubUrl).toBe(second.url)
    expect(second.completed).toEqual([{ id: 't_2', leaseId: 'lease-t_2', result: { ranOn: 't_2' } }])
    expect(second.registrations.map((r) => r.id)).toContain(node.id)
  })

  it('learns the other hub from the welcome message and fails over to it', async () => {
    first = await startFakeHub(50, { hubs: [second.url] })
    const node = await start([first.url])
    await until(() => node.connected && first.sockets.size === 1)

    await first.down()
    second.queue.push(task('t_3'))
    await until(() => second.completed.length === 1 && node.connected)
    expect(node.hubUrl).toBe(second.url)
    expect(second.completed[0]?.id).toBe('t_3')
  })
})
