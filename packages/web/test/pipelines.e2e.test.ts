/**
 * End to end in Chromium on a real 3-node devnet: the pipelines tab loads the account identity and
 * shows an empty list; a pipeline the Node SDK runs (privacy key: the rows' key is wrapped to the
 * computing node only, the result sealed back) appears while the page is open and its segments'
 * stages move live, without a reload, from encrypt to done, each with the node that computed it and
 * its result CID; an unknown or malformed pipeline id in the address says there is no such
 * pipeline. The run is held at two points (encoding the first segment, decoding the first result)
 * until the page shows that stage, so what the page must show in between is certain, not a race.
 * Screenshots land in a temp directory whose path is logged.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startDevnet, type Devnet } from '@w3ai/cli'
import { IDENTITY_FILE, loadOrCreateIdentity, type Identity } from '@w3ai/crypto'
import { HubClient, keyCodec, PipelinesClient, StorageClient, type PipelineCodec } from '@w3ai/sdk'
import { denseJs, linearModel, randomDense } from '../../compute/test/helpers/onnx-models.js'
import { ensureBuilt, HAS_CHROMIUM, launchBrowser, SKIP_REASON } from './browser.js'

const FEATURES = 4
const ROWS = 12
const SEGMENTS = 2
const LAYER = randomDense(FEATURES, 2, 7)
const UNKNOWN_ID = `p_${'0'.repeat(24)}`

/** Rows of four features in -2..2 from a fixed seed. */
function rows(): number[][] {
  let state = 11
  const random = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  return Array.from({ length: ROWS }, () => Array.from({ length: FEATURES }, () => Math.round((random() * 4 - 2) * 1000) / 1000))
}

if (!HAS_CHROMIUM) console.warn(`skipping pipelines e2e test: ${SKIP_REASON}`)

describe.skipIf(!HAS_CHROMIUM)('pipelines tab on a 3-node devnet', () => {
  let home: string
  let accountHome: string
  let shots: string
  let devnet: Devnet | undefined
  let browser: Browser | undefined
  let page: Page
  let identity: Identity
  let storage: StorageClient
  let pipelines: PipelinesClient

  const row = (id: string) => page.locator(`[data-testid="pipeline-row"][data-pipeline-id="${id}"]`)
  const detail = () => page.getByTestId('pipeline-detail')
  const segmentStages = () => page.getByTestId('pipeline-segment').evaluateAll((els) => els.map((el) => el.getAttribute('data-stage')))
  /** Every stage state of segment `index` as the page shows it, in order. */
  const stageStates = (index: number) =>
    page.locator(`[data-testid="pipeline-segment"][data-index="${index}"] [data-testid="pipeline-stage"]`).evaluateAll((els) => els.map((el) => `${el.getAttribute('data-stage')}:${el.getAttribute('data-state')}`))

  beforeAll(async () => {
    await ensureBuilt()
    home = await mkdtemp(join(tmpdir(), 'w3ai-web-pipelines-'))
    accountHome = await mkdtemp(join(tmpdir(), 'w3ai-web-pipelines-account-'))
    shots = await mkdtemp(join(tmpdir(), 'w3ai-web-pipelines-shots-'))
    console.log(`pipelines e2e screenshots: ${shots}`)
    devnet = await startDevnet({ home, nodes: 3, hubPort: 0, logLevel: 'warn', env: { W3AI_TASK_POLL_MS: '200', W3AI_SPOT_CHECK_RATE: '0' } })
    identity = (await loadOrCreateIdentity(accountHome, 'account')).identity
    const hub = new HubClient({ url: devnet.hubUrl, identity })
    await hub.createAccount({ name: 'pipelines-e2e', encryptionKey: identity.encryptionKey })
    storage = new StorageClient(hub, identity)
    pipelines = new PipelinesClient(hub, identity)
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
    page.on('pageerror', (err) => console.error('page error:', err))
    await page.goto(`${devnet.hubUrl}/#pipelines`)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await devnet?.stop()
    for (const dir of [home, accountHome]) if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  }, 60_000)

  it('loads the account identity on the pipelines tab and shows an empty list', async () => {
    await page.getByTestId('pipelines-tab').waitFor({ timeout: 10_000 })
    await page.getByTestId('identity-file').setInputFiles(join(accountHome, IDENTITY_FILE))
    await expect.poll(() => page.getByTestId('identity-id').textContent(), { timeout: 10_000 }).toBe(identity.id)
    await page.getByTestId('pipelines-empty').waitFor({ timeout: 10_000 })
    await page.getByTestId('stream-state').filter({ hasText: 'live' }).waitFor({ timeout: 10_000 })
  })

  it('shows a pipeline the SDK runs as it goes: every segment from encrypt to done, with its node and result, live', async () => {
    const model = linearModel(LAYER)
    const source = (async function* () {
      yield model
    })()
    const modelCid = (await storage.put(source, model.length, { name: 'linear.onnx', redundancy: { k: 2, n: 3, repairThreshold: 3 } })).cid
    // A reload would lose this mark: the page must follow the pipeline on its own.
    await page.evaluate(() => ((window as unknown as { pipelinesMark: number }).pipelinesMark = 1))

    let pipelineId = ''
    const base = keyCodec({ inputName: 'x' })
    let encoded = 0
    let decoded = 0
    const codec: PipelineCodec = {
      privacy: 'key',
      async encode(segmentRows) {
        if (encoded++ === 0) {
          // The pipeline exists, no segment is posted: the page lists it and shows every segment encrypting.
          pipelineId = (await pipelines.list())[0]!.id
          await row(pipelineId).waitFor({ timeout: 15_000 })
          await row(pipelineId).locator('td').first().click()
          await expect.poll(() => detail().getAttribute('data-pipeline-id'), { timeout: 10_000 }).toBe(pipelineId)
          await expect.poll(segmentStages, { timeout: 10_000 }).toEqual(Array(SEGMENTS).fill('encrypt'))
          expect(await stageStates(0)).toEqual(['encrypt:active', 'segment:pending', 'allocate:pending', 'compute:pending', 'collect:pending'])
          expect(await detail().getAttribute('data-status')).toBe('encrypting')
          await page.screenshot({ path: join(shots, 'pipeline-encrypting.png'), fullPage: true })
        }
        return base.encode(segmentRows)
      },
      async decode(bytes) {
        if (decoded++ === 0) {
          // A node computed a segment and sealed its result; it is not collected yet: the page shows it collecting.
          await expect.poll(async () => (await segmentStages()).includes('collect'), { timeout: 60_000 }).toBe(true)
          const collecting = page.locator('[data-testid="pipeline-segment"][data-stage="collect"]').first()
          const index = Number(await collecting.getAttribute('data-index'))
          expect(await stageStates(index)).toEqual(['encrypt:done', 'segment:done', 'allocate:done', 'compute:done', 'collect:active'])
          expect(await collecting.getAttribute('data-node-id')).toMatch(/\S/)
          await page.screenshot({ path: join(shots, 'pipeline-collecting.png'), fullPage: true })
        }
        return base.decode(bytes)
      },
    }

    const data = rows()
    const result = await pipelines.run({ model: modelCid, privacy: 'key', rows: data, segments: SEGMENTS, codec })
    expect(result.pipeline.id).toBe(pipelineId)
    const expected = denseJs(data, LAYER)
    result.outputs.forEach((out, i) => out.forEach((v, j) => expect(Math.abs(v - expected[i]![j]!), `row ${i}`).toBeLessThan(1e-4)))

    // The page catches up by events: every segment done, with the node that computed it and its stored result.
    await expect.poll(() => detail().getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded')
    expect(await segmentStages()).toEqual(Array(SEGMENTS).fill('done'))
    const finished = await pipelines.get(pipelineId)
    for (const s of finished.segments) {
      const shown = page.locator(`[data-testid="pipeline-segment"][data-index="${s.index}"]`)
      expect(await stageStates(s.index)).toEqual(['encrypt:done', 'segment:done', 'allocate:done', 'compute:done', 'collect:done'])
      expect(s.nodeId).not.toBeNull()
      expect(await shown.getAttribute('data-node-id')).toBe(s.nodeId)
      expect(await shown.getAttribute('data-attempts')).toBe(String(s.attempts))
      expect(s.result).not.toBeNull()
      expect(await shown.getAttribute('data-result')).toBe(s.result)
    }
    expect(await page.getByTestId('pipeline-privacy').getAttribute('data-privacy')).toBe('key')
    expect(await page.getByTestId('pipeline-privacy').textContent()).toContain('wrapped to the computing node only')
    expect(await page.getByTestId('pipeline-progress').textContent()).toContain(`${SEGMENTS} of ${SEGMENTS} segments done`)
    await expect.poll(() => row(pipelineId).getAttribute('data-status'), { timeout: 10_000 }).toBe('succeeded')
    expect(await row(pipelineId).getByTestId('pipeline-row-done').textContent()).toBe(`${SEGMENTS} / ${SEGMENTS}`)
    expect(await page.evaluate(() => (window as unknown as { pipelinesMark?: number }).pipelinesMark)).toBe(1)
    expect(page.url()).toContain(`#pipelines/${pipelineId}`)
    await page.screenshot({ path: join(shots, 'pipeline-succeeded.png'), fullPage: true })
  }, 180_000)

  it('says there is no such pipeline for an id the account does not have, or one that is no pipeline id', async () => {
    for (const id of [UNKNOWN_ID, 'not-a-pipeline']) {
      await page.evaluate((hash) => (window.location.hash = hash), `#pipelines/${id}`)
      const missing = page.getByTestId('pipeline-not-found')
      await expect.poll(() => missing.getAttribute('data-pipeline-id'), { timeout: 10_000 }).toBe(id)
      expect(await missing.textContent()).toContain('No such pipeline')
      expect(await detail().count()).toBe(0)
    }
    await page.screenshot({ path: join(shots, 'pipeline-not-found.png'), fullPage: true })
    // The list is still there, and a pipeline row opens its detail again.
    expect(await page.getByTestId('pipeline-row').count()).toBe(1)
    await page.getByTestId('pipeline-row').locator('td').first().click()
    await detail().waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('pipeline-not-found').count()).toBe(0)
  }, 60_000)
})
