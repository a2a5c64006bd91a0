import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readDevnetFile, startDevnet, W3AI_BIN, type Devnet, type DevnetProgress } from '../src/index.js'
import { isLiveW3ai } from '../src/pids.js'
import { tempHome, testEnv, until } from './helpers.js'

describe('the devnet kit (startDevnet)', () => {
  let home: { path: string; remove: () => Promise<void> }
  let devnet: Devnet
  const progress: DevnetProgress[] = []

  beforeAll(async () => {
    home = await tempHome('w3ai-kit-')
    devnet = await startDevnet({ home: home.path, nodes: 2, hubPort: 0, env: testEnv(), onProgress: (e) => progress.push(e) })
  })
  afterAll(async () => {
    await devnet.stop()
    await home.remove()
  })

  it('starts a hub on a free port and the nodes online, and records them', async () => {
    expect(devnet.hubUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const { nodes } = await devnet.client.listNodes({ status: 'online' })
    expect(nodes.map((n) => n.id).sort()).toEqual(devnet.nodes.map((n) => n.id).sort())
    expect(await readDevnetFile(home.path)).toEqual(devnet.toJSON())
    expect(progress[0]).toEqual({ phase: 'hub', url: devnet.hubUrl })
    expect(progress.at(-1)).toEqual({ phase: 'online', online: 2, total: 2 })
  })

  it('brings a killed node back with the same id on restart', async () => {
    const node = devnet.nodes[0]!
    const { id } = node
    node.kill('SIGKILL')
    await node.waitExit()
    await until(async () => ((await devnet.client.getNode(id)).status !== 'online' ? true : undefined), 10_000, 'node left online')
    await node.restart()
    expect(node.id).toBe(id)
    await devnet.waitForStatus(id, 'online', 10_000)
  })

  it('restarts the hub on the same URL and the nodes reconnect to it', async () => {
    const url = devnet.hubUrl
    const before = devnet.hub.pid
    await devnet.hub.restart()
    expect(devnet.hub.pid).not.toBe(before)
    expect(devnet.hub.url).toBe(url)
    expect((await readDevnetFile(home.path))?.hub.pid).toBe(devnet.hub.pid)
    const restartedAt = Date.now()
    for (const node of devnet.nodes) {
      await until(async () => {
        const n = await devnet.client.getNode(node.id)
        return n.status === 'online' && n.lastSeenAt !== null && Date.parse(n.lastSeenAt) > restartedAt ? true : undefined
      }, 10_000, `node ${node.id} heartbeating to the restarted hub`)
    }
  })

  it('stops every process and forgets the devnet', async () => {
    const pids = [devnet.hub.pid, ...devnet.nodes.map((n) => n.pid)]
    await devnet.stop()
    await devnet.stop()
    for (const pid of pids) expect(isLiveW3ai(pid)).toBe(false)
    expect(await readDevnetFile(home.path)).toBeUndefined()
  })
})

describe('w3ai up in the foreground', () => {
  it('runs until SIGTERM, then stops its hub and nodes and exits 0', async () => {
    const home = await tempHome('w3ai-fg-')
    try {
      const child = spawn(process.execPath, [W3AI_BIN, 'up', '--nodes', '1', '--port', '0', '--home', home.path], { env: testEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      const exited = once(child, 'exit')
      const file = await until(() => readDevnetFile(home.path), 60_000, 'devnet.json')
      await until(() => (stdout.includes('dashboard:') ? true : undefined), 5000, 'dashboard line')
      expect(stdout).toContain(`dashboard: ${file.hub.url}/`)
      child.kill('SIGTERM')
      const [code] = await exited
      expect(code).toBe(0)
      for (const pid of [file.hub.pid, ...file.nodes.map((n) => n.pid)]) expect(isLiveW3ai(pid)).toBe(false)
      expect(await readDevnetFile(home.path)).toBeUndefined()
    } finally {
      await home.remove()
    }
  })
})
