/**
 * The dashboard in a real browser against a scripted fake hub: what it shows for a given network
 * state, how it follows events, and that it says "reconnecting" when the stream drops, which a
 * real devnet cannot be made to do on cue; and, with an account identity, that the jobs list is
 * paged ("Load more") and still follows `job.updated`. The devnet end-to-end test is
 * dashboard.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { Job } from '@w3ai/protocol'
import { DIST, ensureBuilt, HAS_CHROMIUM, launchBrowser, SKIP_REASON } from './browser.js'
import { startFakeHub, type FakeHub } from './fake-hub.js'
import { makeLoad, makeNode } from './fixtures.js'

/** A listed job (history empty, as the hub lists them), numbered oldest first. */
function makeJob(i: number, status = 'succeeded'): Job {
  const createdAt = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString()
  return {
    id: `j_${i.toString(16).padStart(20, '0')}`,
    owner: 'a_00000000000000000000',
    executor: 'wasm',
    status,
    replicas: 1,
    inputs: {},
    createdAt,
    finishedAt: status === 'succeeded' ? createdAt : null,
    result: null,
    error: null,
    verification: null,
    history: [],
  } as Job
}

if (!HAS_CHROMIUM) console.warn(`skipping dashboard view tests: ${SKIP_REASON}`)

describe.skipIf(!HAS_CHROMIUM)('dashboard view (fake hub)', () => {
  let hub: FakeHub
  let browser: Browser
  let page: Page
  const nodes = [makeNode(0), makeNode(1), makeNode(2), makeNode(3, { status: 'suspect' }), makeNode(4, { status: 'offline', load: null })]

  const text = (testId: string) => page.getByTestId(testId).textContent()
  const row = (id: string) => page.locator(`[data-testid="node-row"][data-node-id="${id}"]`)
  const marker = (id: string) => page.locator(`[data-testid="map-node"][data-node-id="${id}"]`)

  beforeAll(async () => {
    await ensureBuilt()
    hub = await startFakeHub({ webRoot: DIST, nodes })
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.goto(hub.url)
    await page.getByTestId('stream-state').filter({ hasText: 'live' }).waitFor({ timeout: 10_000 })
  })

  afterAll(async () => {
    await browser?.close()
    await hub?.stop()
  })

  it('shows counts, one row and one marker per node, and the hub id', async () => {
    await expect.poll(() => text('count-online')).toBe('3')
    expect(await text('count-suspect')).toBe('1')
    expect(await text('count-offline')).toBe('1')
    expect(await text('count-total')).toBe('5')
    expect(await page.getByTestId('node-row').count()).toBe(5)
    expect(await page.getByTestId('map-node').count()).toBe(5)
    expect(await row(nodes[3]!.id).getAttribute('data-status')).toBe('suspect')
    expect(await marker(nodes[4]!.id).getAttribute('data-status')).toBe('offline')
    expect(await page.locator('.map-card').textContent()).toContain(hub.hubId)
  })

  it('follows status, load and registration events without a reload', async () => {
    hub.setStatus(nodes[0]!.id, 'offline')
    hub.emit({ type: 'node.load', loads: [{ id: nodes[1]!.id, load: makeLoad({ cpuPercent: 88, runningTasks: 7 }) }] })
    hub.emit({ type: 'node.registered', node: makeNode(5) })
    await expect.poll(() => row(nodes[0]!.id).getAttribute('data-status')).toBe('offline')
    await expect.poll(() => marker(nodes[0]!.id).getAttribute('data-status')).toBe('offline')
    await expect.poll(() => row(nodes[1]!.id).textContent()).toContain('88%')
    await expect.poll(() => page.getByTestId('node-row').count()).toBe(6)
    await expect.poll(() => text('count-offline')).toBe('2')
    await expect.poll(() => text('count-total')).toBe('6')
  })

  it('filters the table by status', async () => {
    await page.getByTestId('filter-status').selectOption('offline')
    await expect.poll(() => page.getByTestId('node-row').count()).toBe(2)
    await page.getByTestId('filter-status').selectOption('')
    await expect.poll(() => page.getByTestId('node-row').count()).toBe(6)
  })

  it('says reconnecting while the stream is down and resynchronises when it returns', async () => {
    hub.dropStreams()
    await expect.poll(() => text('stream-state')).toBe('reconnecting')
    await page.waitForTimeout(1500) // long enough for refused reconnect attempts to back off
    // A change made while the dashboard was disconnected arrives with the next hello.
    hub.nodes.set(nodes[2]!.id, { ...hub.nodes.get(nodes[2]!.id)!, status: 'suspect' })
    hub.allowStreams()
    await expect.poll(() => text('stream-state'), { timeout: 15_000 }).toBe('live')
    await expect.poll(() => row(nodes[2]!.id).getAttribute('data-status')).toBe('suspect')
  })

  it('pages the jobs list: 100 of 150 jobs, 150 after "Load more", and follows job.updated on every page', async () => {
    hub.jobs.push(...Array.from({ length: 150 }, (_, i) => makeJob(149 - i)))
    const jobRow = (id: string) => page.locator(`[data-testid="job-row"][data-job-id="${id}"]`)
    await page.getByTestId('get-started-create').click()
    await expect.poll(() => page.getByTestId('identity-id').first().textContent(), { timeout: 10_000 }).toMatch(/^a_[0-9a-f]{20}$/)
    await page.getByTestId('tab-jobs').click()
    await expect.poll(() => page.getByTestId('job-row').count(), { timeout: 10_000 }).toBe(100)
    expect(await text('jobs-more-count')).toBe('100 jobs loaded')
    expect(await page.getByTestId('job-row').first().getAttribute('data-job-id')).toBe(makeJob(149).id)

    await page.getByTestId('jobs-more').click()
    await expect.poll(() => page.getByTestId('job-row').count()).toBe(150)
    expect(await page.getByTestId('job-row').last().getAttribute('data-job-id')).toBe(makeJob(0).id)
    expect(await page.getByTestId('jobs-more').count()).toBe(0) // the last page: no more to load

    // A job submitted elsewhere appears on top; an update to a job from the second page shows.
    hub.jobs.unshift(makeJob(150, 'queued'))
    hub.emit({ type: 'job.updated', jobId: makeJob(150).id })
    await expect.poll(() => page.getByTestId('job-row').count(), { timeout: 10_000 }).toBe(151)
    expect(await page.getByTestId('job-row').first().getAttribute('data-job-id')).toBe(makeJob(150).id)
    const onPage2 = hub.jobs.findIndex((j) => j.id === makeJob(20).id)
    expect(onPage2).toBeGreaterThan(100)
    hub.jobs[onPage2] = makeJob(20, 'failed')
    hub.emit({ type: 'job.updated', jobId: makeJob(20).id })
    await expect.poll(() => jobRow(makeJob(20).id).getAttribute('data-status'), { timeout: 10_000 }).toBe('failed')
    expect(await page.getByTestId('job-row').count()).toBe(151)
  })
})
