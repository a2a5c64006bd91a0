/**
 * A task that finishes while the hub is unreachable keeps its result (on disk, 0600 in a 0700
 * directory) until the hub takes it: delivered once when the hub is back, without running the task
 * again, and delivered by the next start when the node stopped first.
 */
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ClaimedTask } from '@w3ai/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createNodeAgent, type ExecuteTask, type NodeAgent } from '../src/index.js'
import { startFakeHub, type FakeHub } from './fake-hub.js'

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

function task(id: string): ClaimedTask {
  return { id, jobId: `j_${id}`, replica: 0, executor: 'wasm', params: {}, leaseId: `lease-${id}`, leaseExpiresAt: new Date(Date.now() + 60_000).toISOString(), attempt: 1, inputs: [] }
}

/** An executor that runs until the test lets it finish, counting its runs. */
function gatedExecutor() {
  const runs: string[] = []
  let release: () => void = () => undefined
  const gate = new Promise<void>((r) => (release = r))
  const execute: ExecuteTask = async (t) => {
    runs.push(t.id)
    await gate
    return { done: t.id }
  }
  return { runs, execute, release: () => release() }
}

/** The mode of `path`, or undefined when it is gone (the outbox renames its temporary files while we walk). */
async function modeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** Every path under `dir` whose mode lets other users (group or world) in. */
async function openToOthers(dir: string): Promise<string[]> {
  const found: string[] = []
  if (((await stat(dir)).mode & 0o077) !== 0) found.push(dir)
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) found.push(...(await openToOthers(path)))
    else if (((await modeOf(path)) ?? 0) & 0o077) found.push(path)
  }
  return found
}

describe('task results while the hub is unreachable', () => {
  let root: string
  let hub: FakeHub
  const agents: NodeAgent[] = []

  const start = async (execute: ExecuteTask): Promise<NodeAgent> => {
    const agent = createNodeAgent(
      {
        home: join(root, 'node'),
        hubUrl: hub.url,
        logLevel: false,
        cpu: 1,
        memoryGb: 1,
        diskGb: 1,
        executors: ['wasm'],
        reconnect: { initialMs: 20, maxMs: 100 },
        reportRetry: { initialMs: 20, maxMs: 100 },
        tasks: { slots: 1, pollMs: 20 },
      },
      { execute },
    )
    agents.push(agent)
    await agent.start()
    return agent
  }
  // Saved reports only: a `.tmp` file is one being written, renamed a moment later.
  const outboxFiles = async (): Promise<string[]> => (await readdir(join(root, 'node', 'outbox')).catch(() => [])).filter((f) => !f.endsWith('.tmp'))

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'w3ai-task-reports-'))
    hub = await startFakeHub(50)
  })

  afterEach(async () => {
    for (const a of agents.splice(0)) await a.stop()
    await hub.stop()
    await rm(root, { recursive: true, force: true })
  })

  it('keeps the result while the hub is down and delivers it once when it is back, without running the task again', async () => {
    const ex = gatedExecutor()
    hub.queue.push(task('t_a'))
    const agent = await start(ex.execute)
    await until(() => ex.runs.length === 1)
    await hub.down()
    ex.release()

    await until(async () => (await outboxFiles()).length === 1)
    expect(agent.pendingReports).toBe(1)
    const [file] = await outboxFiles()
    expect((await stat(join(root, 'node', 'outbox'))).mode & 0o777).toBe(0o700)
    expect((await stat(join(root, 'node', 'outbox', file!))).mode & 0o777).toBe(0o600)

    await hub.up()
    await until(() => hub.completed.length === 1 && agent.pendingReports === 0)
    expect(await outboxFiles()).toEqual([])
    expect(hub.completed).toEqual([{ id: 't_a', leaseId: 'lease-t_a', result: { done: 't_a' } }])
    expect(ex.runs).toEqual(['t_a'])
    expect(hub.claimed).toHaveLength(1)
  })

  it('delivers a result left on disk by a node that stopped before the hub came back', async () => {
    const ex = gatedExecutor()
    hub.queue.push(task('t_b'))
    const first = await start(ex.execute)
    await until(() => ex.runs.length === 1)
    await hub.down()
    ex.release()
    await until(async () => (await outboxFiles()).length === 1)
    await first.stop()
    expect(await outboxFiles()).toHaveLength(1)

    await hub.up()
    const again = gatedExecutor()
    again.release()
    const second = await start(again.execute)
    await until(() => hub.completed.length === 1 && second.pendingReports === 0)
    expect(hub.completed).toEqual([{ id: 't_b', leaseId: 'lease-t_b', result: { done: 't_b' } }])
    expect(await outboxFiles()).toEqual([])
    expect(ex.runs).toEqual(['t_b'])
    expect(again.runs).toEqual([])
  })

  it('leaves nothing under its home readable by other users, even a home that was created open', async () => {
    await mkdir(join(root, 'node'), { mode: 0o755 })
    const ex = gatedExecutor()
    hub.queue.push(task('t_c'))
    await start(ex.execute)
    await until(() => ex.runs.length === 1)
    await hub.down()
    ex.release()
    await until(async () => (await outboxFiles()).length === 1)
    expect(await openToOthers(join(root, 'node'))).toEqual([])
  })
})
