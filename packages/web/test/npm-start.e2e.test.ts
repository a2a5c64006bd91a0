/**
 * The newcomer's path, for real: `npm start` (dashboard build + `w3ai up`) brings up a hub and five
 * node processes; the printed dashboard URL shows five online nodes in Chromium; Ctrl-C (SIGINT to
 * the foreground process group, as a terminal sends it) stops every process it started.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { HAS_CHROMIUM, launchBrowser } from './browser.js'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe.skipIf(!HAS_CHROMIUM)('npm start', () => {
  let child: ChildProcess | undefined
  let browser: Browser | undefined
  let home = ''

  afterAll(async () => {
    await browser?.close()
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    if (home !== '') await rm(home, { recursive: true, force: true })
  }, 30_000)

  it('shows five online nodes on the dashboard, and Ctrl-C stops everything', async () => {
    home = await mkdtemp(join(tmpdir(), 'w3ai-npm-start-'))
    const started = Date.now()
    child = spawn('npm', ['start', '--', '--port', '0', '--home', home], {
      cwd: REPO,
      detached: true, // its own process group, like a terminal's foreground job
      env: { ...process.env, W3AI_LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child!.once('exit', (code, signal) => r({ code, signal })))

    await expect.poll(() => /dashboard:\s+(http:\/\/\S+)/.exec(output)?.[1], { timeout: 90_000, interval: 200 }).toBeDefined()
    const url = /dashboard:\s+(http:\/\/\S+)/.exec(output)![1]!
    browser = await launchBrowser()
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.goto(url)
    await expect.poll(() => page.getByTestId('count-online').textContent(), { timeout: 30_000 }).toBe('5')
    await expect.poll(() => page.locator('[data-testid="map-node"][data-status="online"]').count(), { timeout: 5_000 }).toBe(5)
    console.info(`npm start: 5 nodes online in the browser ${((Date.now() - started) / 1000).toFixed(1)} s after the command`)

    const devnet = JSON.parse(await readFile(join(home, 'devnet.json'), 'utf8')) as { hub: { pid: number }; nodes: Array<{ pid: number }> }
    const pids = [devnet.hub.pid, ...devnet.nodes.map((n) => n.pid)]
    expect(pids.every(alive)).toBe(true)
    process.kill(-child.pid!, 'SIGINT')
    // npm itself dies of the SIGINT like any foreground job; w3ai up stops its children gracefully.
    const { code, signal } = await exited
    expect(code === 0 || signal === 'SIGINT').toBe(true)
    await expect.poll(() => pids.filter(alive).length, { timeout: 15_000 }).toBe(0)
  }, 180_000)
})
