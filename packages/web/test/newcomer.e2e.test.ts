/**
 * The newcomer's first minute, in Chromium on a 5-node devnet (what `npm start` runs): a fresh page
 * shows Get started; one click creates an identity in the browser and registers its account; a
 * file is uploaded; the Run a job form runs a built-in WASI program over it on a node, and the job
 * shows up and finishes live; an uploaded ONNX model runs on the form's inline input tensors. The identity survives a reload (IndexedDB), subscribes to the event
 * stream signed, saves as an identity.json the CLI keystore and SDK use, is forgotten, and loads
 * back from that file. Screenshots land in a temp directory whose path is logged.
 *
 * Depends on issue 8 C1 (upload defaults that fit 5 nodes) and A6 (signed `/v1/events`): with the
 * hub before A6, job events also reach the page anonymously and this test passes the same way.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startDevnet, type Devnet } from '@w3ai/cli'
import { IDENTITY_FILE, readIdentity } from '@w3ai/crypto'
import { HubClient, StorageClient } from '@w3ai/sdk'
import { linearModel, randomDense } from '../../compute/test/helpers/onnx-models.js'
import { ensureBuilt, HAS_CHROMIUM, launchBrowser, SKIP_REASON } from './browser.js'

const NODES = 5
const TEXT = 'hello w3ai from a newcomer\nfour more words here\n'

if (!HAS_CHROMIUM) console.warn(`skipping newcomer e2e test: ${SKIP_REASON}`)

describe.skipIf(!HAS_CHROMIUM)('a newcomer on a 5-node devnet', () => {
  let home: string
  let cliHome: string
  let shots: string
  let devnet: Devnet | undefined
  let browser: Browser | undefined
  let context: BrowserContext
  let page: Page
  let accountId = ''
  let fileCid = ''
  let jobId = ''
  const sockets: string[] = []
  /** Requests the hub's Content-Security-Policy blocked (piece transfers go to the nodes' origins). */
  const blocked: string[] = []
  const started = Date.now()

  const steps = () => page.getByTestId('get-started-step').evaluateAll((els) => els.map((el) => el.getAttribute('data-done')))
  const shot = (name: string) => page.screenshot({ path: join(shots, name), fullPage: true })

  beforeAll(async () => {
    await ensureBuilt()
    home = await mkdtemp(join(tmpdir(), 'w3ai-web-newcomer-'))
    cliHome = await mkdtemp(join(tmpdir(), 'w3ai-web-newcomer-cli-'))
    shots = await mkdtemp(join(tmpdir(), 'w3ai-web-newcomer-shots-'))
    devnet = await startDevnet({ home, nodes: NODES, hubPort: 0, logLevel: 'warn', env: { W3AI_TASK_POLL_MS: '200', W3AI_SPOT_CHECK_RATE: '0' } })
    browser = await launchBrowser()
    context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true })
    page = await context.newPage()
    page.on('pageerror', (err) => console.error('page error:', err))
    page.on('websocket', (ws) => sockets.push(ws.url()))
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text())
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await devnet?.stop()
    for (const dir of [home, cliHome]) if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  }, 60_000)

  it('shows Get started on a fresh page, and subscribes to the event stream anonymously', async () => {
    await page.goto(devnet!.hubUrl)
    await page.getByTestId('get-started').waitFor({ timeout: 10_000 })
    expect(await steps()).toEqual(['false', 'false', 'false'])
    await shot('1-get-started.png')
    await expect.poll(() => sockets.length, { timeout: 10_000 }).toBeGreaterThan(0)
    expect(new URL(sockets[0]!).search).toBe('')
  })

  it('creates an identity in the browser with one click and registers its account', async () => {
    await page.getByTestId('get-started-create').click()
    await expect.poll(() => page.getByTestId('identity-id').textContent(), { timeout: 15_000 }).toMatch(/^a_[0-9a-f]{20}$/)
    accountId = (await page.getByTestId('identity-id').textContent()) as string
    expect(page.url()).toContain('#storage')
    const account = await new HubClient({ url: devnet!.hubUrl }).request<{ id: string; encryptionKey: string | null }>('GET', `/v1/accounts/${accountId}`)
    expect(account.id).toBe(accountId)
    expect(account.encryptionKey).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await page.getByTestId('identity-unsaved').count()).toBe(1)
    await expect.poll(steps, { timeout: 10_000 }).toEqual(['true', 'false', 'false'])
    // The stream reconnects signed as the new identity: a signed GET /v1/events in the query.
    await expect.poll(() => sockets.length, { timeout: 10_000 }).toBeGreaterThan(1)
    const query = new URL(sockets.at(-1)!).searchParams
    expect([...query.keys()].sort()).toEqual(['key', 'nonce', 'signature', 'timestamp'])
  })

  it('uploads a file', async () => {
    await page.getByTestId('upload-file').setInputFiles({ name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.from(TEXT) })
    const bar = page.getByTestId('upload-progress')
    await expect.poll(() => bar.getAttribute('data-phase'), { timeout: 60_000 }).toMatch(/^(done|error)$/)
    expect(await bar.getAttribute('data-phase'), `${(await bar.textContent()) ?? ''} ${blocked.join(' | ')}`).toBe('done')
    expect(blocked).toEqual([])
    await expect.poll(() => page.getByTestId('object-row').count(), { timeout: 10_000 }).toBe(1)
    fileCid = (await page.getByTestId('object-row').getAttribute('data-cid')) as string
    await shot('2-uploaded.png')
  })

  it('runs a job on the file from the Jobs tab and sees it succeed live', async () => {
    await page.getByTestId('tab-jobs').click()
    await page.getByTestId('run-job').waitFor({ timeout: 10_000 })
    await expect.poll(() => page.getByTestId('run-input').locator('option').count(), { timeout: 10_000 }).toBe(2)
    await page.getByTestId('run-input').selectOption(fileCid)
    await page.getByTestId('run-submit').click()
    const row = page.getByTestId('job-row')
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1)
    jobId = (await row.getAttribute('data-job-id')) as string
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded')
    await expect.poll(() => page.getByTestId('job-stdout').textContent(), { timeout: 10_000 }).toBe('{"bytes":48,"words":9}\n')
    expect(await page.getByTestId('run-error').count()).toBe(0)
    await expect.poll(() => page.getByTestId('get-started').getAttribute('data-complete'), { timeout: 10_000 }).toBe('true')
    await shot('3-job-succeeded.png')
    console.info(`newcomer flow: identity, upload and a finished job ${Math.round((Date.now() - started) / 1000)} s after the devnet came up`)
  }, 120_000)

  it('keeps the identity through a reload, and runs the built-in program again without storing it twice', async () => {
    await page.reload()
    await expect.poll(() => page.getByTestId('identity-id').textContent(), { timeout: 15_000 }).toBe(accountId)
    expect(await page.getByTestId('get-started').count()).toBe(0) // done before: not shown again
    await page.getByTestId('run-input').selectOption(fileCid)
    await page.getByTestId('run-submit').click()
    await expect.poll(() => page.getByTestId('job-row').count(), { timeout: 30_000 }).toBe(2)
    const identity = await saveIdentity()
    const objects = await new StorageClient(new HubClient({ url: devnet!.hubUrl, identity }), identity).list()
    expect([...objects].filter((o) => o.name === 'w3ai-count-words.wasm')).toHaveLength(1)
  })

  it('runs an ONNX model it uploads on inline input tensors and shows the outputs', async () => {
    const layer = randomDense(4, 2, 3)
    await page.getByTestId('tab-storage').click()
    await page.getByTestId('upload-file').setInputFiles({ name: 'linear.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(linearModel(layer)) })
    await expect.poll(() => page.getByTestId('upload-progress').getAttribute('data-phase'), { timeout: 60_000 }).toBe('done')
    const modelRow = page.getByTestId('object-row').filter({ hasText: 'linear.onnx' })
    await expect.poll(() => modelRow.count(), { timeout: 10_000 }).toBe(1)
    const model = (await modelRow.getAttribute('data-cid')) as string
    await page.getByTestId('tab-jobs').click()
    await page.getByTestId('run-program').selectOption('onnx')
    await expect.poll(() => page.getByTestId('run-code').locator(`option[value="${model}"]`).count(), { timeout: 10_000 }).toBe(1)
    await page.getByTestId('run-code').selectOption(model)
    const rows = await page.getByTestId('job-row').count()
    await page.getByTestId('run-submit').click() // the form's example input: x = [[1, 2, 3, 4]]
    await expect.poll(() => page.getByTestId('job-row').count(), { timeout: 30_000 }).toBe(rows + 1)
    await expect.poll(() => page.getByTestId('job-detail').getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded')
    const shown = (await page.getByTestId('onnx-values').textContent())!.replace(/^\s*=\s*/, '').split(',').map(Number)
    const x = [1, 2, 3, 4]
    const expected = layer.b.map((b, j) => b + x.reduce((sum, xi, i) => sum + xi * layer.w[i]![j]!, 0))
    expect(shown).toHaveLength(2)
    shown.forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 4))
    await shot('4-onnx-job.png')
  }, 120_000)

  /** Clicks Save identity.json, writes the download to the CLI home, and loads it with the CLI keystore. */
  async function saveIdentity() {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.getByTestId('identity-export').click()])
    expect(download.suggestedFilename()).toBe(IDENTITY_FILE)
    await writeFile(join(cliHome, IDENTITY_FILE), await readFile((await download.path()) as string), { mode: 0o600 })
    const identity = await readIdentity(cliHome)
    expect(identity?.id).toBe(accountId)
    return identity!
  }

  it('saves identity.json that the CLI keystore and SDK use as the same account', async () => {
    const identity = await saveIdentity()
    await expect.poll(() => page.getByTestId('identity-unsaved').count(), { timeout: 5000 }).toBe(0)
    const hub = new HubClient({ url: devnet!.hubUrl, identity })
    expect((await hub.me(identity)).id).toBe(accountId)
    const chunks: Uint8Array[] = []
    await new StorageClient(hub, identity).get(fileCid, (chunk) => void chunks.push(Buffer.from(chunk)))
    expect(Buffer.concat(chunks).toString('utf8')).toBe(TEXT)
  })

  it('forgets the identity (also after a reload) and loads it back from identity.json', async () => {
    await page.getByTestId('identity-forget').click()
    await page.getByTestId('identity-create').waitFor({ timeout: 10_000 })
    await page.reload()
    await page.getByTestId('identity-create').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('identity-id').count()).toBe(0)
    await page.getByTestId('identity-file').setInputFiles(join(cliHome, IDENTITY_FILE))
    await expect.poll(() => page.getByTestId('identity-id').textContent(), { timeout: 10_000 }).toBe(accountId)
    await expect.poll(() => page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`).count(), { timeout: 10_000 }).toBe(1)
    console.info(`newcomer screenshots: ${shots}`)
  })
})
