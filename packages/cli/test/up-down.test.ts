import { stat } from 'node:fs/promises'
import { availableParallelism, totalmem } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Account, NetworkSummary, NodeInfo } from '@w3ai/protocol'
import { HubClient } from '@w3ai/sdk'
import { devnetNodeOptions, readDevnetFile, startNodeProcess, type DevnetFile, type NodeProcess } from '../src/index.js'
import { isLiveW3ai } from '../src/pids.js'
import { freePort, parseJson, tempHome, testEnv, until, w3ai } from './helpers.js'

/** One detached devnet for the whole file: `w3ai up --detach --nodes 3`, checked step by step. */
describe('w3ai up --detach / down', () => {
  let home: { path: string; remove: () => Promise<void> }
  let devnet: DevnetFile
  let port: number
  const extra: NodeProcess[] = []
  const cli = (...args: string[]): ReturnType<typeof w3ai> => w3ai([...args, '--home', home.path])

  beforeAll(async () => {
    home = await tempHome('w3ai-up-')
    port = await freePort()
    const r = await cli('up', '--detach', '--nodes', '3', '--port', String(port), '--json')
    if (r.code !== 0) throw new Error(`w3ai up failed: ${r.stdout}${r.stderr}`)
    devnet = parseJson<DevnetFile>(r.stdout)
  })

  afterAll(async () => {
    await Promise.all(extra.map((n) => n.stop()))
    await cli('down')
    await home.remove()
  })

  it('writes devnet.json with exactly the hub and the nodes', async () => {
    const file = await readDevnetFile(home.path)
    expect(file).toEqual(devnet)
    expect(Object.keys(devnet).sort()).toEqual(['hub', 'nodes'])
    expect(Object.keys(devnet.hub).sort()).toEqual(['pid', 'url'])
    expect(devnet.hub.url).toBe(`http://127.0.0.1:${port}`)
    expect(devnet.nodes).toHaveLength(3)
    devnet.nodes.forEach((n, i) => {
      expect(Object.keys(n).sort()).toEqual(['home', 'id', 'pid', 'url'])
      expect(n.id).toMatch(/^n_[0-9a-f]{20}$/)
      expect(n.home).toBe(join(home.path, 'nodes', String(i)))
      expect(isLiveW3ai(n.pid)).toBe(true)
    })
    expect(isLiveW3ai(devnet.hub.pid)).toBe(true)
    await stat(join(home.path, 'logs', 'hub.log'))
  })

  it('lists the three nodes online with their place and resources', async () => {
    const r = await cli('nodes', '--json')
    expect(r.code).toBe(0)
    const nodes = parseJson<NodeInfo[]>(r.stdout)
    expect(Array.isArray(nodes)).toBe(true)
    expect(nodes.map((n) => n.id).sort()).toEqual(devnet.nodes.map((n) => n.id).sort())
    for (const n of nodes) {
      expect(n.status).toBe('online')
      expect(n).toHaveProperty('load')
      expect(n.location.region).toBe(n.region)
      expect(n.capabilities.cpuCores).toBeGreaterThan(0)
      // Honest resources: no GPU this machine does not have, no more cores or memory than it has.
      expect(n.capabilities.gpus).toEqual([])
    }
    expect(nodes.reduce((a, n) => a + n.capabilities.cpuCores, 0)).toBeLessThanOrEqual(availableParallelism())
    expect(nodes.reduce((a, n) => a + n.capabilities.memoryGb, 0)).toBeLessThanOrEqual(totalmem() / 1024 ** 3)
    expect(new Set(nodes.map((n) => n.region)).size).toBe(3)
    const filtered = parseJson<NodeInfo[]>((await cli('nodes', '--json', '--region', 'us-east')).stdout)
    expect(filtered.map((n) => n.region)).toEqual(['us-east'])
    const human = await cli('nodes')
    expect(human.stdout).toContain('STATUS')
    expect(human.stdout).toContain('New York')
  })

  it('summarises the network', async () => {
    const r = await cli('status', '--json')
    expect(r.code).toBe(0)
    const s = parseJson<{ hub: string; health: { status: string }; summary: NetworkSummary }>(r.stdout)
    expect(s.hub).toBe(devnet.hub.url)
    expect(s.health.status).toBe('ok')
    expect(s.summary.nodes).toMatchObject({ total: 3, online: 3 })
  })

  it('creates an account once and shows it', async () => {
    const created = await cli('account', 'create', '--name', 'alice', '--json')
    expect(created.code).toBe(0)
    const a = parseJson<Account & { created: boolean }>(created.stdout)
    expect(a).toMatchObject({ name: 'alice', created: true })
    expect(a.id).toMatch(/^a_[0-9a-f]{20}$/)
    expect((await stat(join(home.path, 'identity.json'))).mode & 0o777).toBe(0o600)
    const again = parseJson<Account & { created: boolean }>((await cli('account', 'create', '--json')).stdout)
    expect(again).toMatchObject({ id: a.id, created: false })
    const shown = await cli('account', 'show', '--json')
    expect(parseJson<Account>(shown.stdout)).toMatchObject({ id: a.id, publicKey: a.publicKey, name: 'alice' })
  })

  it('sees a killed node leave online within 10 s and come back within 10 s of a restart', async () => {
    const victim = devnet.nodes[1]!
    const client = new HubClient({ url: devnet.hub.url })
    process.kill(victim.pid, 'SIGKILL')
    await until(async () => ((await client.getNode(victim.id)).status !== 'online' ? true : undefined), 10_000, 'node left online')
    const restarted = await startNodeProcess({ ...devnetNodeOptions(home.path, 1, devnet.hub.url, devnet.nodes.length), env: testEnv() })
    extra.push(restarted)
    expect(restarted.id).toBe(victim.id)
    const node = await until(async () => {
      const n = await client.getNode(victim.id)
      return n.status === 'online' ? n : undefined
    }, 10_000, 'node back online')
    expect(node.location.city).toBe('New York')
    await restarted.stop()
  })

  it('refuses a second `up` on the same home', async () => {
    const r = await cli('up', '--detach', '--nodes', '1', '--port', '0', '--json')
    expect(r.code).toBe(1)
    expect(parseJson<{ error: { code: string } }>(r.stdout).error.code).toBe('DEVNET_ALREADY_RUNNING')
  })

  it('stops every process with `down`, and a restart on the same home keeps the node ids', async () => {
    const down = await cli('down', '--json')
    expect(down.code).toBe(0)
    const { stopped } = parseJson<{ stopped: Array<{ pid: number; result: string }> }>(down.stdout)
    expect(stopped).toHaveLength(4)
    for (const pid of [devnet.hub.pid, ...devnet.nodes.map((n) => n.pid)]) expect(isLiveW3ai(pid)).toBe(false)
    expect(await readDevnetFile(home.path)).toBeUndefined()

    const again = await cli('up', '--detach', '--nodes', '3', '--port', String(port), '--json')
    expect(again.code, again.stderr).toBe(0)
    const second = parseJson<DevnetFile>(again.stdout)
    expect(second.nodes.map((n) => n.id)).toEqual(devnet.nodes.map((n) => n.id))
    const shown = await cli('account', 'show', '--json')
    expect(shown.code, 'the hub database persisted the account').toBe(0)
    expect((await cli('down')).code).toBe(0)
    for (const pid of [second.hub.pid, ...second.nodes.map((n) => n.pid)]) expect(isLiveW3ai(pid)).toBe(false)
  })
})
