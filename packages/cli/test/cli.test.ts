import { spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testEnv, tempHome, w3ai, w3aiInProcess, parseJson } from './helpers.js'

describe('w3ai as a process', () => {
  let home: { path: string; remove: () => Promise<void> }
  beforeAll(async () => {
    home = await tempHome()
  })
  afterAll(async () => home.remove())

  it('prints its version', async () => {
    const r = await w3ai(['--version'])
    expect(r).toMatchObject({ code: 0, stdout: '0.1.0\n' })
  })

  it('explains a command with `help COMMAND`', async () => {
    const r = await w3ai(['help', 'up'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('--nodes <n>')
    expect(r.stdout).toContain('--detach')
  })

  it('reports a bad argument with its code on stderr and exit code 2, no stack trace', async () => {
    const r = await w3ai(['up', '--nodes', '-1', '--home', home.path])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^error CLI_BAD_ARGUMENT: --nodes "-1"/)
    expect(r.stderr).not.toContain('    at ')
  })

  it('reports errors as JSON on stdout with --json', async () => {
    const r = await w3ai(['status', '--json', '--home', home.path])
    expect(r.code).toBe(1)
    expect(parseJson<{ error: { code: string } }>(r.stdout).error.code).toBe('DEVNET_NOT_FOUND')
  })

  it('uses W3AI_HOME and W3AI_HUB from the environment', async () => {
    const r = await w3ai(['nodes', '--json'], testEnv({ W3AI_HOME: home.path, W3AI_HUB: 'http://127.0.0.1:1' }))
    expect(parseJson<{ error: { code: string } }>(r.stdout).error.code).toBe('HUB_UNREACHABLE')
  })

  it('reports a taken --port as CLI_BAD_ARGUMENT instead of crashing', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const port = String((server.address() as AddressInfo).port)
      const r = await w3ai(['node', 'start', '--hub', 'http://127.0.0.1:1', '--home', join(home.path, 'node'), '--port', port, '--json'])
      expect(r.code).toBe(2)
      expect(parseJson<{ error: { message: string } }>(r.stdout.split('\n').find((l) => l.startsWith('{"error"')) ?? '').error.message).toContain(`Port ${port} is already in use`)
    } finally {
      server.close()
    }
  })

  it('refuses to start a devnet over one whose processes still run', async () => {
    const dummy = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'w3ai'], { stdio: 'ignore' })
    try {
      await mkdir(join(home.path, 'busy'), { recursive: true })
      await writeFile(join(home.path, 'busy', 'devnet.json'), JSON.stringify({ hub: { url: 'http://127.0.0.1:1', pid: dummy.pid }, nodes: [] }))
      const r = await w3ai(['up', '--json', '--home', join(home.path, 'busy')])
      expect(r.code).toBe(1)
      expect(parseJson<{ error: { code: string } }>(r.stdout).error.code).toBe('DEVNET_ALREADY_RUNNING')
    } finally {
      dummy.kill('SIGKILL')
    }
  })
})

describe('argument checking of every command', () => {
  let home: { path: string; remove: () => Promise<void> }
  beforeAll(async () => {
    home = await tempHome()
  })
  afterAll(async () => home.remove())

  const hub = ['--hub', 'http://127.0.0.1:1']
  it.each([
    [['up', '--nodes', '-1']],
    [['up', '--nodes', 'many']],
    [['up', '--port', 'abc']],
    [['up', '--port', '70000']],
    [['up', '--log-level', 'loud']],
    [['up', '--bogus']],
    [['hub', 'start', '--port', 'abc']],
    [['hub', 'start', '--database-url', 'mysql://x']],
    [['hub', 'start', '--host', 'a b']],
    [['node', 'start', ...hub, '--location', '200,0']],
    [['node', 'start', ...hub, '--location', '10']],
    [['node', 'start', ...hub, '--cpu', '0']],
    [['node', 'start', ...hub, '--memory', '-4']],
    [['node', 'start', ...hub, '--disk', 'lots']],
    [['node', 'start', ...hub, '--gpu', 'RTX']],
    [['node', 'start', ...hub, '--region', 'EU West']],
    [['node', 'start', ...hub, '--port', '-1']],
    [['node', 'start', ...hub, '--executors', 'onnx,quantum']],
    [['node', 'start', '--hub', 'ftp://x']],
    [['nodes', ...hub, '--status', 'sleepy']],
    [['nodes', ...hub, '--executor', 'gpu']],
    [['nodes', ...hub, '--region', 'Mars!']],
    [['status', '--hub', 'not-a-url']],
    [['account', 'create', ...hub, '--name', '']],
    [['account', 'frob']],
    [['frobnicate']],
  ])('w3ai %j → CLI_BAD_ARGUMENT, exit 2', async (args) => {
    const r = await w3aiInProcess([...args, '--home', home.path, '--json'])
    expect(r.code).toBe(2)
    expect(parseJson<{ error: { code: string; message: string } }>(r.stdout).error.code).toBe('CLI_BAD_ARGUMENT')
  })

  it('names the flag and the value in the message', async () => {
    const r = await w3aiInProcess(['node', 'start', '--hub', 'http://h', '--location', '200,0'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('error CLI_BAD_ARGUMENT: --location "200,0" is invalid: expected LAT,LON with -90<=LAT<=90 and -180<=LON<=180. See `w3ai help COMMAND`.\n')
  })

  it('says DEVNET_NOT_FOUND when no hub can be found, for every hub command', async () => {
    for (const args of [['status'], ['nodes'], ['account', 'create'], ['account', 'show'], ['node', 'start', '--home', join(home.path, 'n')], ['down']]) {
      const r = await w3aiInProcess([...args, '--home', home.path, '--json'])
      expect(r.code, args.join(' ')).toBe(1)
      const code = parseJson<{ error: { code: string } }>(r.stdout).error.code
      expect(code, args.join(' ')).toBe(args[1] === 'show' ? 'IDENTITY_NOT_FOUND' : 'DEVNET_NOT_FOUND')
    }
  })

  it('says IDENTITY_CORRUPT for an unreadable identity file', async () => {
    const dir = join(home.path, 'corrupt')
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'identity.json'), '{"version":1,"kind":"account","id":"a_x"}')
    const r = await w3aiInProcess(['account', 'show', '--home', dir, '--hub', 'http://127.0.0.1:1'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^error IDENTITY_CORRUPT: /)
  })

  it('says HUB_UNREACHABLE when the hub is down', async () => {
    const r = await w3aiInProcess(['status', '--hub', 'http://127.0.0.1:1', '--home', home.path])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^error HUB_UNREACHABLE: /)
  })
})
