/**
 * End to end in Chromium on a real 4-node devnet running tasks in sandboxes: the jobs tab loads
 * the account identity, lists the account's jobs as the Node SDK submits them and follows them
 * live to `succeeded`; the train job shows its training curve (one point per epoch, from the
 * nodes' progress reports), its history and the node that ran it framed on the map; the wasm job
 * shows its stdout. Screenshots land in a temp directory whose path is logged.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startDevnet, type Devnet } from '@w3ai/cli'
import { IDENTITY_FILE, loadOrCreateIdentity, type Identity } from '@w3ai/crypto'
import { DeploymentsClient, HubClient, JobsClient, StorageClient } from '@w3ai/sdk'
import { linearModel, randomDense } from '../../compute/test/helpers/onnx-models.js'
import { uppercaseWat, wat } from '../../compute/test/wasm-fixtures.js'
import { ensureBuilt, HAS_CHROMIUM, launchBrowser, SKIP_REASON } from './browser.js'

const EPOCHS = 8
const DIGITS = new URL('../../compute/data/digits.csv.gz', import.meta.url)
const SPEC = {
  inputShape: [64],
  layers: [
    { type: 'dense', units: 32, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  optimizer: { type: 'adam', learningRate: 0.01 },
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
  epochs: EPOCHS,
  batchSize: 32,
  validationSplit: 0.2,
  seed: 1,
  normalize: 'max',
}

if (!HAS_CHROMIUM) console.warn(`skipping jobs e2e test: ${SKIP_REASON}`)

describe.skipIf(!HAS_CHROMIUM)('jobs tab on a 4-node devnet', () => {
  let home: string
  let accountHome: string
  let shots: string
  let devnet: Devnet | undefined
  let browser: Browser | undefined
  let page: Page
  let identity: Identity
  let storage: StorageClient
  let jobs: JobsClient
  let trainId = ''
  let wasmId = ''

  const row = (id: string) => page.locator(`[data-testid="job-row"][data-job-id="${id}"]`)
  const store = async (bytes: Uint8Array, name: string): Promise<string> => {
    const source = (async function* () {
      yield bytes
    })()
    return (await storage.put(source, bytes.length, { name, redundancy: { k: 2, n: 3, repairThreshold: 3 } })).cid
  }
  const historyKinds = () => page.getByTestId('job-history-row').evaluateAll((els) => els.map((el) => el.getAttribute('data-kind')))

  beforeAll(async () => {
    await ensureBuilt()
    home = await mkdtemp(join(tmpdir(), 'w3ai-web-jobs-'))
    accountHome = await mkdtemp(join(tmpdir(), 'w3ai-web-jobs-account-'))
    shots = await mkdtemp(join(tmpdir(), 'w3ai-web-jobs-shots-'))
    devnet = await startDevnet({ home, nodes: 4, hubPort: 0, logLevel: 'warn', env: { W3AI_TASK_POLL_MS: '200', W3AI_SPOT_CHECK_RATE: '0' } })
    identity = (await loadOrCreateIdentity(accountHome, 'account')).identity
    const hub = new HubClient({ url: devnet.hubUrl, identity })
    await hub.createAccount({ name: 'jobs-e2e', encryptionKey: identity.encryptionKey })
    storage = new StorageClient(hub, identity)
    jobs = new JobsClient(hub, identity)
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
    page.on('pageerror', (err) => console.error('page error:', err))
    await page.goto(`${devnet.hubUrl}/#jobs`)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await devnet?.stop()
    for (const dir of [home, accountHome]) if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  }, 60_000)

  it('loads the account identity on the jobs tab and shows an empty job list', async () => {
    await page.getByTestId('jobs-tab').waitFor({ timeout: 10_000 })
    await page.getByTestId('identity-file').setInputFiles(join(accountHome, IDENTITY_FILE))
    await expect.poll(() => page.getByTestId('identity-id').textContent(), { timeout: 10_000 }).toBe(identity.id)
    await expect.poll(() => page.getByTestId('jobs-tab').textContent(), { timeout: 10_000 }).toContain('No jobs yet')
  })

  it('lists jobs the SDK submits and follows them live to succeeded', async () => {
    // A few hundred rows of the digits set (64 pixel columns, label last): a fast but real run.
    const csv = gunzipSync(readFileSync(DIGITS)).toString('utf8').trim().split('\n').slice(0, 400).join('\n')
    const dataset = await store(Buffer.from(csv), 'digits-400.csv')
    trainId = (await jobs.submit({ executor: 'train', inputs: { dataset }, params: { spec: SPEC } })).id
    const module = await store(wat(uppercaseWat()), 'upper.wasm')
    const input = await store(Buffer.from('hello from the dashboard'), 'hello.txt')
    wasmId = (await jobs.submit({ executor: 'wasm', inputs: { module, input } })).id

    // Rows appear without a reload (job.updated events); open the train job while it runs.
    await row(trainId).waitFor({ timeout: 15_000 })
    await row(trainId).locator('td').first().click()
    await page.getByTestId('job-detail').waitFor({ timeout: 10_000 })
    let partial = 0
    await expect
      .poll(
        async () => {
          const status = await row(trainId).getAttribute('data-status')
          const epochs = Number(await page.getByTestId('training-curve').getAttribute('data-epochs'))
          if (status === 'running' && epochs > 0 && epochs < EPOCHS && partial === 0) {
            partial = epochs
            await page.screenshot({ path: join(shots, 'jobs-training-live.png'), fullPage: true })
          }
          return status
        },
        { timeout: 120_000, interval: 100 },
      )
      .toBe('succeeded')
    console.info(partial > 0 ? `training curve seen live at ${partial} of ${EPOCHS} epochs` : 'training finished before a partial curve was seen')
    await expect.poll(() => row(wasmId).getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded')
    expect(await page.getByTestId('job-row').count()).toBe(2)
  }, 180_000)

  it('shows the train job: training curve, history, verification and the node that ran it', async () => {
    const detail = page.getByTestId('job-detail')
    await expect.poll(() => detail.getAttribute('data-status'), { timeout: 10_000 }).toBe('succeeded')
    await expect.poll(() => page.getByTestId('curve-point').count(), { timeout: 10_000 }).toBe(EPOCHS)
    expect(await page.getByTestId('training-curve').evaluate((el) => el.tagName.toLowerCase())).toBe('svg')
    const kinds = await historyKinds()
    for (const kind of ['queued', 'leased', 'progress', 'succeeded']) expect(kinds).toContain(kind)
    expect(kinds.filter((k) => k === 'progress').length).toBeGreaterThanOrEqual(EPOCHS)
    expect(await page.getByTestId('job-verification').getAttribute('data-outcome')).toBe('single')
    expect(await page.getByTestId('final-accuracy').textContent()).toMatch(/%/)

    const job = await jobs.get(trainId)
    const ran = new Set(job.history.filter((e) => e.kind === 'leased').map((e) => e.nodeId))
    expect(ran.size).toBeGreaterThanOrEqual(1)
    const framed = page.locator('[data-testid="map-node"][data-ran-task="true"]')
    await expect.poll(() => framed.count(), { timeout: 10_000 }).toBe(ran.size)
    expect(new Set(await framed.evaluateAll((els) => els.map((el) => el.getAttribute('data-node-id'))))).toEqual(ran)
    expect(await page.locator('[data-testid="map-node"]').count()).toBe(4)
    await page.screenshot({ path: join(shots, 'jobs-train-detail.png'), fullPage: true })
  })

  it("shows the wasm job's stdout, decoded", async () => {
    await row(wasmId).locator('td').first().click()
    await expect.poll(() => page.getByTestId('job-detail').getAttribute('data-job-id'), { timeout: 10_000 }).toBe(wasmId)
    await expect.poll(() => page.getByTestId('job-stdout').textContent(), { timeout: 10_000 }).toBe('HELLO FROM THE DASHBOARD')
    expect(await page.getByTestId('training-curve').count()).toBe(0)
    expect(await page.getByTestId('job-inputs').textContent()).toContain('module')
    await page.screenshot({ path: join(shots, 'jobs-wasm-detail.png'), fullPage: true })
    console.info(`jobs screenshots: ${shots}`)
  })

  it('lists a model deployment live: starting, then ready on its node, with its request count', async () => {
    const deployments = new DeploymentsClient(new HubClient({ url: devnet!.hubUrl, identity }), identity)
    const model = await store(linearModel(randomDense(4, 2, 3)), 'linear.onnx')
    const d = await deployments.create({ model })
    const rowOf = page.locator(`[data-testid="deployment-row"][data-deployment-id="${d.id}"]`)
    await expect.poll(() => rowOf.getAttribute('data-status'), { timeout: 30_000 }).toBe('ready')
    expect(await rowOf.textContent()).toContain('x [batch×4]')
    for (let i = 0; i < 3; i++) await deployments.infer(d.id, { x: { type: 'float32', dims: [1, 4], data: [1, 2, 3, i] } })
    await expect.poll(() => rowOf.getByTestId('deployment-requests').textContent(), { timeout: 20_000 }).toBe('3')
    await deployments.stop(d.id)
    await expect.poll(() => rowOf.getAttribute('data-status'), { timeout: 10_000 }).toBe('stopped')
    await page.screenshot({ path: join(shots, 'jobs-deployments.png'), fullPage: true })
  }, 60_000)
})
