/**
 * End to end in Chromium against a real hub whose federated coordinator runs rounds with simulated
 * nodes (the hub's federated test kit: they answer work by arithmetic, no TF.js): the federated tab
 * loads the account identity, lists a training as the SDK starts it, follows its rounds live
 * (curves, participants and dropouts, the rounds table) to `succeeded`, and stops and resumes a
 * training whose round is waiting on a silent client. Screenshots land in a temp directory whose
 * path is logged.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { IDENTITY_FILE, loadOrCreateIdentity } from '@w3ai/crypto'
import { FederatedClient, HubClient } from '@w3ai/sdk'
import { config, dataset, fakeNode, type FakeNode } from '../../hub/test/federated-kit.js'
import { startTestHub, type TestHub } from '../../hub/test/helpers.js'
import { ensureBuilt, HAS_CHROMIUM, launchBrowser, SKIP_REASON } from './browser.js'

const ROUNDS = 5

if (!HAS_CHROMIUM) console.warn(`skipping federated e2e test: ${SKIP_REASON}`)

describe.skipIf(!HAS_CHROMIUM)('federated tab on a real hub', () => {
  let t: TestHub | undefined
  let accountHome: string
  let shots: string
  let browser: Browser | undefined
  let page: Page
  let fl: FederatedClient
  let nodes: FakeNode[] = []

  const row = (id: string) => page.locator(`[data-testid="fl-row"][data-training-id="${id}"]`)
  const detail = () => page.getByTestId('fl-detail')
  const open = async (id: string): Promise<void> => {
    await row(id).waitFor({ timeout: 15_000 })
    await row(id).locator('td').first().click()
    await expect.poll(() => detail().getAttribute('data-training-id'), { timeout: 10_000 }).toBe(id)
  }

  beforeAll(async () => {
    await ensureBuilt()
    accountHome = await mkdtemp(join(tmpdir(), 'w3ai-web-fl-account-'))
    shots = await mkdtemp(join(tmpdir(), 'w3ai-web-fl-shots-'))
    t = await startTestHub('pglite', { heartbeatIntervalMs: 200 })
    const { identity } = await loadOrCreateIdentity(accountHome, 'account')
    const hub = new HubClient({ url: t.hub.url, identity })
    await hub.createAccount({ name: 'fl-e2e', encryptionKey: identity.encryptionKey })
    fl = new FederatedClient(hub)
    // Three clients (one of which answers only when told) and a node holding the held-out set.
    nodes = await Promise.all([
      fakeNode(t.hub.url, [dataset('d-0', 10)], 1),
      fakeNode(t.hub.url, [dataset('d-1', 10)], 2),
      fakeNode(t.hub.url, [dataset('d-2', 20)], 3),
      fakeNode(t.hub.url, [dataset('d-test', 50)], 0),
    ])
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 1100 } })
    page.on('pageerror', (err) => console.error('page error:', err))
    await page.goto(`${t.hub.url}/#fl`)
  }, 120_000)

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
    await browser?.close()
    await t?.close()
    if (accountHome !== undefined) await rm(accountHome, { recursive: true, force: true })
  }, 60_000)

  it('loads the account identity on the federated tab and shows an empty list', async () => {
    await page.getByTestId('fl-tab').waitFor({ timeout: 10_000 })
    await page.getByTestId('identity-file').setInputFiles(join(accountHome, IDENTITY_FILE))
    await page.getByTestId('fl-empty').waitFor({ timeout: 10_000 })
    await page.getByTestId('stream-state').filter({ hasText: 'live' }).waitFor({ timeout: 10_000 })
  })

  it('lists a training the SDK starts and follows its rounds live: curves, participants and dropouts, rounds table', async () => {
    nodes[2]!.answering = false // a dropout every round
    const created = await fl.create(config({ name: 'digits-e2e', datasets: ['d-0', 'd-1', 'd-2'], evaluation: { dataset: 'd-test' }, rounds: ROUNDS, roundTimeoutMs: 1500 }))
    await open(created.id)
    // Rounds arrive by events while the page watches: it shows the ones in between, not only the end.
    const seen = new Set<string>()
    await expect
      .poll(
        async () => {
          const status = await detail().getAttribute('data-status')
          seen.add((await page.getByTestId('fl-curves').getAttribute('data-rounds')) ?? '')
          if (seen.size === 3) await page.screenshot({ path: join(shots, 'fl-live.png'), fullPage: true })
          return status
        },
        { timeout: 60_000, interval: 100 },
      )
      .toBe('succeeded')
    expect([...seen].filter((n) => Number(n) > 0 && Number(n) < ROUNDS).length).toBeGreaterThan(0)
    await expect.poll(() => page.getByTestId('fl-curve-point').count(), { timeout: 10_000 }).toBe(ROUNDS)
    expect(await row(created.id).getAttribute('data-status')).toBe('succeeded')
    expect(await row(created.id).textContent()).toContain(`${ROUNDS} / ${ROUNDS}`)

    const bars = await page.getByTestId('fl-round-bar').evaluateAll((els) => els.map((el) => [el.getAttribute('data-participants'), el.getAttribute('data-dropouts')]))
    expect(bars).toEqual(Array.from({ length: ROUNDS }, () => ['2', '1']))
    expect(await page.getByTestId('fl-turnout-totals').textContent()).toBe(`${ROUNDS} dropouts in ${ROUNDS} rounds`)
    expect(await page.getByTestId('fl-round-row').count()).toBe(ROUNDS)
    // The fake evaluation reports 0.5 + round / 100.
    expect(await page.getByTestId('fl-curve-latest').textContent()).toBe(`round ${ROUNDS} · accuracy ${(50 + ROUNDS).toFixed(1)}%`)
    expect(await page.getByTestId('fl-privacy').count()).toBe(0)
    expect(await page.getByTestId('fl-stop').count()).toBe(0)
    await page.screenshot({ path: join(shots, 'fl-succeeded.png'), fullPage: true })
  }, 90_000)

  it('stops a training whose round waits on a silent client, and resumes it to the end', async () => {
    nodes[2]!.answering = false
    const created = await fl.create(config({ name: 'stop-resume', datasets: ['d-0', 'd-1', 'd-2'], evaluation: { dataset: 'd-test' }, rounds: 2, roundTimeoutMs: 60_000 }))
    // The hub announces a training when a round ends, and this one's first round waits: refresh by hand.
    await page.getByTestId('fl-refresh').click()
    await open(created.id)
    await page.getByTestId('fl-stop').click()
    await expect.poll(() => detail().getAttribute('data-status'), { timeout: 10_000 }).toBe('stopped')
    expect((await fl.get(created.id)).status).toBe('stopped')
    expect(await page.getByTestId('fl-stop').count()).toBe(0)

    nodes[2]!.answering = true
    await page.getByTestId('fl-resume').click()
    await expect.poll(async () => (await fl.get(created.id)).status, { timeout: 10_000 }).not.toBe('stopped')
    await expect.poll(() => detail().getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded')
    await expect.poll(() => page.getByTestId('fl-curve-point').count(), { timeout: 10_000 }).toBe(2)
    const bars = await page.getByTestId('fl-round-bar').evaluateAll((els) => els.map((el) => el.getAttribute('data-participants')))
    // The first round keeps the answers that came in before the stop (2 or 3 clients, depending on
    // when Stop landed); the second runs with all three answering.
    expect(bars).toHaveLength(2)
    expect(['2', '3']).toContain(bars[0])
    expect(bars[1]).toBe('3')
    expect(await page.getByTestId('fl-row').count()).toBe(2)
    await page.screenshot({ path: join(shots, 'fl-resumed.png'), fullPage: true })
  }, 90_000)

  it('draws a decentralized training\'s multigraph: strong and weak edges, isolated silos and cycle time, state by state', async () => {
    // Three silos close together and one far away: the far silo's ring edges are slow and weak in most states.
    const places = [{ lat: 50, lon: 8 }, { lat: 50.1, lon: 8.1 }, { lat: 50.2, lon: 8 }, { lat: -33.9, lon: 151.2 }]
    const silos = await Promise.all(places.map((p, i) => fakeNode(t!.hub.url, [dataset(`m-${i}`, 10)], i + 1, 50, p)))
    nodes.push(...silos)
    const created = await fl.create(config({ name: 'multigraph-e2e', datasets: places.map((_, i) => `m-${i}`), evaluation: undefined, rounds: 4, mode: 'decentralized', topology: { arch: 'multigraph', tMax: 5, computeMs: 0 } }))
    await open(created.id)
    await expect.poll(() => detail().getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded')
    const topology = (await fl.get(created.id)).topology!
    const card = page.getByTestId('fl-topology')
    await card.waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('fl-edge').count()).toBe(topology.edges.length)
    expect(await page.getByTestId('fl-silo').count()).toBe(4)
    expect(await page.getByTestId('fl-topology-cycle').textContent()).toBe(` · cycle time ${topology.cycleTimeMs!.toFixed(1)} ms`)
    // Round 1 is state 0, the whole overlay: every edge strong, nobody isolated.
    const slider = page.getByTestId('fl-topology-slider')
    await slider.fill('1')
    await expect.poll(() => card.getAttribute('data-weak')).toBe('0')
    expect(await card.getAttribute('data-strong')).toBe(String(topology.edges.length))
    // Round 2 is state 1: the slow edges are weak and the silos they feed are isolated.
    await slider.fill('2')
    await expect.poll(() => card.getAttribute('data-state')).toBe('1')
    expect(Number(await card.getAttribute('data-weak'))).toBeGreaterThan(0)
    expect(Number(await card.getAttribute('data-isolated'))).toBeGreaterThan(0)
    expect(await page.locator('[data-testid="fl-edge"][data-strong="false"]').count()).toBe(Number(await card.getAttribute('data-weak')))
    await page.screenshot({ path: join(shots, 'fl-topology.png'), fullPage: true })
    console.info(`federated screenshots: ${shots}`)
  }, 90_000)
})
