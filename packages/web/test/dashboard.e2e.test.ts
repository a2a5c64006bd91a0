/**
 * End to end: a real devnet (hub process + 5 node processes) serving the built dashboard, driven in
 * Chromium. The dashboard must show every node online, then notice a killed node through the event
 * stream alone, without a reload. Screenshots land in a temp directory whose path is logged.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startDevnet, type Devnet } from '@w3ai/cli'
import { ensureBuilt, HAS_CHROMIUM, launchBrowser, SKIP_REASON } from './browser.js'

const NODES = 5

if (!HAS_CHROMIUM) console.warn(`skipping dashboard e2e test: ${SKIP_REASON}`)

describe.skipIf(!HAS_CHROMIUM)('dashboard on a 5-node devnet', () => {
  let home: string
  let shots: string
  let devnet: Devnet | undefined
  let browser: Browser | undefined
  let page: Page

  const count = (status: string) => page.getByTestId(`count-${status}`).textContent()
  const rows = (status?: string) => page.locator(status === undefined ? '[data-testid="node-row"]' : `[data-testid="node-row"][data-status="${status}"]`)
  const markers = (status?: string) => page.locator(status === undefined ? '[data-testid="map-node"]' : `[data-testid="map-node"][data-status="${status}"]`)

  beforeAll(async () => {
    await ensureBuilt()
    home = await mkdtemp(join(tmpdir(), 'w3ai-web-e2e-'))
    shots = await mkdtemp(join(tmpdir(), 'w3ai-web-shots-'))
    devnet = await startDevnet({ home, nodes: NODES, hubPort: 0, logLevel: 'warn' })
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.goto(devnet.hubUrl)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await devnet?.stop()
    if (home !== undefined) await rm(home, { recursive: true, force: true })
  }, 60_000)

  it('shows every node online: counts, table rows and map markers', async () => {
    const within = { timeout: 30_000 }
    await expect.poll(() => count('online'), within).toBe(String(NODES))
    await expect.poll(() => rows('online').count(), within).toBe(NODES)
    await expect.poll(() => markers('online').count(), within).toBe(NODES)
    expect(await count('total')).toBe(String(NODES))
    expect(await page.getByTestId('stream-state').textContent()).toBe('live')
    const ids = await rows().evaluateAll((els) => els.map((el) => el.getAttribute('data-node-id')))
    expect(new Set(ids)).toEqual(new Set(devnet!.nodes.map((n) => n.id)))
    await page.screenshot({ path: join(shots, 'dashboard-online.png') })
    console.info(`dashboard screenshots: ${shots}`)
  })

  it('marks a killed node suspect then offline via the event stream, without reloading', async () => {
    const victim = devnet!.nodes[0]!
    // Survives only if the page is never reloaded.
    await page.evaluate(() => Object.assign(window, { w3aiSamePage: true }))
    victim.kill('SIGKILL')

    const row = page.locator(`[data-testid="node-row"][data-node-id="${victim.id}"]`)
    const marker = page.locator(`[data-testid="map-node"][data-node-id="${victim.id}"]`)
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).not.toBe('online')
    await expect.poll(() => marker.getAttribute('data-status'), { timeout: 5_000 }).not.toBe('online')
    await expect.poll(() => count('online'), { timeout: 5_000 }).toBe(String(NODES - 1))
    // phi-accrual keeps growing: suspect first, then offline, still pushed live.
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('offline')
    await expect.poll(() => marker.getAttribute('data-status'), { timeout: 5_000 }).toBe('offline')
    expect(await page.evaluate(() => (window as unknown as { w3aiSamePage?: boolean }).w3aiSamePage)).toBe(true)
    await page.screenshot({ path: join(shots, 'dashboard-node-down.png'), fullPage: true })
  })
})
