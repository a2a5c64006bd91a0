/**
 * End to end in Chromium on a real 6-node devnet: the storage tab loads an account identity file,
 * uploads a file encrypted and erasure-coded in the page, lists it, shows its pieces on six nodes
 * (and rings them on the map), and downloads it back byte for byte, also when some nodes serve
 * corrupt pieces. The Node SDK reads the browser's upload and the browser reads the SDK's, which
 * proves the two produce one format. Screenshots land in a temp directory whose path is logged.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startDevnet, type Devnet } from '@w3ai/cli'
import { IDENTITY_FILE, loadOrCreateIdentity, type Identity } from '@w3ai/crypto'
import { HubClient, StorageClient } from '@w3ai/sdk'
import { ensureBuilt, HAS_CHROMIUM, launchBrowser, SKIP_REASON } from './browser.js'

const NODES = 6
const MiB = 1024 * 1024
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

if (!HAS_CHROMIUM) console.warn(`skipping storage e2e test: ${SKIP_REASON}`)

/** Every file named `name` under `dir` (a piece file is named by its CID). */
async function findFiles(dir: string, name: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile() && e.name === name).map((e) => join(e.parentPath, e.name))
}

describe.skipIf(!HAS_CHROMIUM)('storage tab on a 6-node devnet', () => {
  let home: string
  let accountHome: string
  let shots: string
  let devnet: Devnet | undefined
  let browser: Browser | undefined
  let page: Page
  let identity: Identity
  let storage: StorageClient
  const original = randomBytes(3 * MiB + 12_345)
  let browserCid = ''

  const row = (cid: string) => page.locator(`[data-testid="object-row"][data-cid="${cid}"]`)
  const phase = (testId: string) => page.getByTestId(testId).getAttribute('data-phase')

  /** Clicks an object's download button and returns the saved file's bytes. */
  async function downloadInPage(cid: string): Promise<Buffer> {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), row(cid).getByTestId('download-button').click()])
    await expect.poll(() => phase('download-progress'), { timeout: 30_000 }).toBe('done')
    return readFile((await download.path()) as string)
  }

  beforeAll(async () => {
    await ensureBuilt()
    home = await mkdtemp(join(tmpdir(), 'w3ai-web-storage-'))
    accountHome = await mkdtemp(join(tmpdir(), 'w3ai-web-account-'))
    shots = await mkdtemp(join(tmpdir(), 'w3ai-web-storage-shots-'))
    devnet = await startDevnet({ home, nodes: NODES, hubPort: 0, logLevel: 'warn' })
    identity = (await loadOrCreateIdentity(accountHome, 'account')).identity
    const hub = new HubClient({ url: devnet.hubUrl, identity })
    await hub.createAccount({ name: 'browser-e2e', encryptionKey: identity.encryptionKey })
    storage = new StorageClient(hub, identity)
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true })
    page.on('pageerror', (err) => console.error('page error:', err))
    await page.goto(`${devnet.hubUrl}/#storage`)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await devnet?.stop()
    for (const dir of [home, accountHome]) if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  }, 60_000)

  it('loads the account identity file into the page', async () => {
    await page.getByTestId('identity-file').waitFor({ timeout: 10_000 })
    await page.screenshot({ path: join(shots, 'storage-no-identity.png') })
    await page.getByTestId('identity-file').setInputFiles(join(accountHome, IDENTITY_FILE))
    await expect.poll(() => page.getByTestId('identity-id').textContent(), { timeout: 10_000 }).toBe(identity.id)
  })

  it('uploads a file from the page and lists it', async () => {
    await page.getByTestId('segment-size').selectOption(String(MiB))
    await page.getByTestId('upload-file').setInputFiles({ name: 'random.bin', mimeType: 'application/octet-stream', buffer: original })
    await expect.poll(() => phase('upload-progress'), { timeout: 60_000 }).toBe('done')
    expect(await page.getByTestId('upload-progress').getAttribute('data-percent')).toBe('100')
    await expect.poll(() => page.getByTestId('object-row').count(), { timeout: 10_000 }).toBe(1)
    browserCid = (await page.getByTestId('object-row').getAttribute('data-cid')) as string
    expect(browserCid).toMatch(/^bagu/)
    expect(await row(browserCid).textContent()).toContain('random.bin')
  })

  it("shows the object's pieces on six distinct nodes and rings them on the map", async () => {
    await row(browserCid).locator('td').first().click()
    const pieces = page.getByTestId('object-pieces')
    await pieces.waitFor({ timeout: 10_000 })
    // 4 segments (3 MiB + a bit, 1 MiB each) × n = 6 pieces.
    await expect.poll(() => pieces.getByTestId('piece-row').count(), { timeout: 10_000 }).toBe(4 * 6)
    const holders = await pieces.getByTestId('piece-row').evaluateAll((els) => els.map((el) => [el.getAttribute('data-node-id'), el.getAttribute('data-healthy')]))
    const nodeIds = new Set(holders.map(([id]) => id))
    expect(nodeIds.size).toBeGreaterThanOrEqual(NODES)
    expect(holders.every(([, healthy]) => healthy === 'true')).toBe(true)
    const ringed = page.locator('[data-testid="map-node"][data-holds-piece="true"]')
    await expect.poll(() => ringed.count(), { timeout: 10_000 }).toBe(nodeIds.size)
    expect(new Set(await ringed.evaluateAll((els) => els.map((el) => el.getAttribute('data-node-id'))))).toEqual(nodeIds)
    await page.screenshot({ path: join(shots, 'storage-detail.png'), fullPage: true })
    console.info(`storage screenshots: ${shots}`)
  })

  it('downloads the object back through the page, byte for byte', async () => {
    const saved = await downloadInPage(browserCid)
    expect(saved.length).toBe(original.length)
    expect(sha256(saved)).toBe(sha256(original))
  })

  it('the Node SDK reads what the browser uploaded', async () => {
    const chunks: Uint8Array[] = []
    await storage.get(browserCid, (chunk) => void chunks.push(Buffer.from(chunk)))
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(original))
  })

  it('the browser reads what the Node SDK uploaded', async () => {
    const fromNode = randomBytes(2 * MiB + 777)
    const source = (async function* () {
      yield fromNode
    })()
    const stored = await storage.put(source, fromNode.length, { name: 'from-node.bin', segmentSize: MiB })
    await page.getByTestId('objects-refresh').click()
    await row(stored.cid).waitFor({ timeout: 10_000 })
    const saved = await downloadInPage(stored.cid)
    expect(sha256(saved)).toBe(sha256(fromNode))
  })

  it('round-trips an empty file', async () => {
    await page.getByTestId('upload-file').setInputFiles({ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) })
    await expect.poll(() => phase('upload-progress'), { timeout: 30_000 }).toBe('done')
    const listed = await storage.list()
    const empty = [...listed].find((o) => o.name === 'empty.txt')
    expect(empty?.size).toBe(0)
    await row(empty!.cid).waitFor({ timeout: 10_000 })
    expect((await downloadInPage(empty!.cid)).length).toBe(0)
  })

  it('skips corrupt pieces and still saves the right bytes', async () => {
    const detail = await storage.info(browserCid)
    // Two of the six pieces of the first segment go bad on disk; k = 4 good ones remain.
    for (const piece of detail.segments[0]!.pieces.slice(0, 2)) {
      const paths = await findFiles(home, piece.cid)
      expect(paths.length).toBeGreaterThan(0)
      for (const path of paths) {
        const bytes = await readFile(path)
        bytes[0] = (bytes[0] as number) ^ 0xff
        await writeFile(path, bytes)
      }
    }
    const saved = await downloadInPage(browserCid)
    expect(sha256(saved)).toBe(sha256(original))
    await page.screenshot({ path: join(shots, 'storage-downloaded.png'), fullPage: true })
  })
})
