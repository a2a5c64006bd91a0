/**
 * The README's quick start, as written and in order, against a devnet (issue 8 C1): `npm install`
 * (this checkout is installed), `npm start` (its `w3ai up`, five nodes), then the second
 * terminal's commands: create an account, put a small file with the default redundancy, get it back.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { readDevnetFile, W3AI_BIN } from '../src/index.js'
import { freePort, tempHome, testEnv, until } from './helpers.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** The shell blocks of the README's "Quick start" section, one command per line, comments dropped. */
async function quickStartBlocks(): Promise<string[][]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const section = readme.split(/^## /m).find((s) => s.startsWith('Quick start'))
  if (section === undefined) throw new Error('README.md has no "## Quick start" section')
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]!
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== ''),
  )
}

interface Ran {
  code: number
  stdout: string
  stderr: string
}

describe('the README quick start', () => {
  let home: Awaited<ReturnType<typeof tempHome>> | undefined
  let devnet: ChildProcess | undefined

  afterAll(async () => {
    if (devnet !== undefined && devnet.exitCode === null) {
      const exited = once(devnet, 'exit')
      devnet.kill('SIGINT')
      await exited
    }
    await home?.remove()
  }, 60_000)

  it('runs as written: npm start, then account, put with defaults and get', async () => {
    home = await tempHome('w3ai-quick-start-')
    const env = testEnv({ W3AI_HOME: home.path })
    const run = (file: string, args: string[]): Promise<Ran> =>
      new Promise((resolve) => {
        execFile(file, args, { cwd: home!.path, env, timeout: 120_000 }, (err, stdout, stderr) => {
          resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr })
        })
      })
    const [setup, second] = await quickStartBlocks()
    // The third, `npm test`, is the suite this test belongs to.
    expect(setup).toEqual(['npm install', 'npm start', 'npm test'])
    expect(second).toBeDefined()

    // npm install: this checkout is installed.
    await access(join(ROOT, 'node_modules', '@w3ai', 'cli'))
    // npm start: builds the dashboard, then `w3ai up` in the foreground (Ctrl-C stops it).
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    expect(pkg.scripts.start).toMatch(/node packages\/cli\/bin\/w3ai\.js up$/)
    const port = await freePort()
    devnet = spawn(process.execPath, [W3AI_BIN, 'up', '--port', String(port)], { cwd: home.path, env, stdio: 'ignore' })
    const file = await until(async () => {
      const f = await readDevnetFile(home!.path)
      return f !== undefined && f.nodes.length === 5 ? f : undefined
    }, 90_000, 'the devnet of npm start')
    expect(file.hub.url).toBe(`http://127.0.0.1:${port}`)
    await until(async () => {
      const r = (await (await fetch(`${file.hub.url}/v1/network/summary`)).json()) as { nodes?: { online?: number } }
      return r.nodes?.online === 5 ? true : undefined
    }, 60_000, 'five nodes online')

    // The second terminal, line by line.
    let cid: string | undefined
    for (const line of second!) {
      let r: Ran
      if (line.startsWith('npx w3ai ')) {
        const args = line.slice('npx w3ai '.length).split(/\s+/).map((a) => (a === 'CID' ? cid ?? 'CID' : a))
        r = await run(process.execPath, [W3AI_BIN, ...args])
      } else {
        r = await run('/bin/sh', ['-c', line])
      }
      expect(r.code, `${line}\n${r.stdout}${r.stderr}`).toBe(0)
      const stored = /^stored (b[a-z2-7]+)$/m.exec(r.stdout)
      if (stored !== null) {
        cid = stored[1]
        // The hub chose a code that fits five nodes, and put says which.
        expect(r.stdout).toMatch(/redundancy\s+3\/5 \(repair at 4\)/)
      }
    }
    expect(cid).toBeDefined()
    expect(await readFile(join(home.path, 'hello-copy.txt'), 'utf8')).toBe(await readFile(join(home.path, 'hello.txt'), 'utf8'))
  }, 300_000)
})
