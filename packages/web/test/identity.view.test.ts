/**
 * The identity in a real browser against the fake hub: Get started creates one with a click and
 * registers its account; it survives reloads (IndexedDB); the event stream subscribes signed as
 * it (a signed GET /v1/events that @w3ai/crypto's verifier accepts) and anonymously without it;
 * it saves as an identity.json the CLI keystore reads; forgetting an unsaved identity asks twice;
 * a CLI identity.json loads (and registers when the hub does not know it). The devnet end to end
 * (upload, run a job) is newcomer.e2e.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { generateIdentity, identityToFile, IDENTITY_FILE, readIdentity, verifySignedRequest, writeIdentity } from '@w3ai/crypto'
import { DIST, ensureBuilt, HAS_CHROMIUM, launchBrowser, SKIP_REASON } from './browser.js'
import { startFakeHub, type FakeHub } from './fake-hub.js'
import { makeNode } from './fixtures.js'

if (!HAS_CHROMIUM) console.warn(`skipping identity view tests: ${SKIP_REASON}`)

describe.skipIf(!HAS_CHROMIUM)('identity in the browser (fake hub)', () => {
  let hub: FakeHub
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let dir: string
  let created = ''
  /** Anything the hub's Content-Security-Policy (sent by the fake hub too) blocked. */
  const violations: string[] = []

  const idShown = () => page.getByTestId('identity-id').textContent()
  const lastStream = () => new URL(hub.streamUrls.at(-1)!, 'http://x')
  /** The last stream connection's signature, checked as the hub checks a signed GET /v1/events. */
  const verifyLastStream = () => {
    const q = lastStream().searchParams
    const headers = { 'x-w3ai-key': q.get('key') ?? undefined, 'x-w3ai-timestamp': q.get('timestamp') ?? undefined, 'x-w3ai-nonce': q.get('nonce') ?? undefined, 'x-w3ai-signature': q.get('signature') ?? undefined }
    return verifySignedRequest(headers, 'GET', lastStream().pathname, '')
  }

  beforeAll(async () => {
    await ensureBuilt()
    dir = await mkdtemp(join(tmpdir(), 'w3ai-web-identity-view-'))
    hub = await startFakeHub({ webRoot: DIST, nodes: [makeNode(0), makeNode(1)] })
    browser = await launchBrowser()
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })
    page = await context.newPage()
    page.on('pageerror', (err) => console.error('page error:', err))
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text())
    })
    await page.goto(hub.url)
  })

  afterAll(async () => {
    await browser?.close()
    await hub?.stop()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('shows Get started to a newcomer and streams anonymously', async () => {
    await page.getByTestId('get-started').waitFor({ timeout: 10_000 })
    const steps = await page.getByTestId('get-started-step').evaluateAll((els) => els.map((el) => el.getAttribute('data-done')))
    expect(steps).toEqual(['false', 'false', 'false'])
    await expect.poll(() => hub.streamUrls.length, { timeout: 10_000 }).toBe(1)
    expect(lastStream().search).toBe('')
    await page.screenshot({ path: join(dir, 'get-started.png') })
  })

  it('creates an identity with one click, registers it, and re-subscribes signed as it', async () => {
    await page.getByTestId('get-started-create').click()
    await expect.poll(idShown, { timeout: 10_000 }).toMatch(/^a_[0-9a-f]{20}$/)
    created = (await idShown()) as string
    expect(hub.accounts.get(created)?.encryptionKey).toMatch(/^[A-Za-z0-9_-]{43}$/)
    await expect.poll(() => hub.streamUrls.length, { timeout: 10_000 }).toBe(2)
    expect(verifyLastStream().publicKey).toBe(hub.accounts.get(created)!.publicKey)
    expect(lastStream().pathname).toBe('/v1/events')
    await page.getByTestId('stream-state').filter({ hasText: 'live' }).waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('identity-unsaved').count()).toBe(1)
  })

  it('keeps the identity through a reload and signs each new subscription afresh', async () => {
    const before = lastStream().searchParams.get('nonce')
    const count = hub.streamUrls.length
    await page.reload()
    await expect.poll(idShown, { timeout: 10_000 }).toBe(created)
    await expect.poll(() => hub.streamUrls.length, { timeout: 10_000 }).toBeGreaterThan(count)
    // The page's first connection is already signed: it waits for the kept identity.
    const first = new URL(hub.streamUrls[count]!, 'http://x').searchParams
    expect(first.get('key')).toBe(hub.accounts.get(created)!.publicKey)
    expect(first.get('nonce')).not.toBe(before)
    verifyLastStream()
  })

  it('asks twice before forgetting an identity that was never saved, and it stays forgotten', async () => {
    await page.getByTestId('identity-forget').click()
    await page.getByTestId('identity-forget-confirm').waitFor({ timeout: 5000 })
    expect(await idShown()).toBe(created)
    await page.getByTestId('identity-forget').click()
    await page.getByTestId('identity-create').waitFor({ timeout: 5000 })
    await expect.poll(() => lastStream().search, { timeout: 10_000 }).toBe('') // anonymous again
    await page.reload()
    await page.getByTestId('identity-create').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('identity-id').count()).toBe(0)
  })

  it('saves identity.json that the CLI keystore reads, then forgets with one click and loads it back', async () => {
    await page.getByTestId('identity-create').click()
    await expect.poll(idShown, { timeout: 10_000 }).toMatch(/^a_/)
    const id = (await idShown()) as string
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.getByTestId('identity-export').click()])
    expect(download.suggestedFilename()).toBe(IDENTITY_FILE)
    const home = join(dir, 'cli-home')
    await writeIdentity(home, generateIdentity('account')) // makes the 0700 home; replaced below
    await writeFile(join(home, IDENTITY_FILE), await readFile((await download.path()) as string))
    const cli = await readIdentity(home)
    expect(cli).toMatchObject({ kind: 'account', id, publicKey: hub.accounts.get(id)!.publicKey })
    await expect.poll(() => page.getByTestId('identity-unsaved').count(), { timeout: 5000 }).toBe(0)
    await page.getByTestId('identity-forget').click()
    await page.getByTestId('identity-create').waitFor({ timeout: 5000 })
    await page.getByTestId('identity-file').setInputFiles(join(home, IDENTITY_FILE))
    await expect.poll(idShown, { timeout: 10_000 }).toBe(id)
    // Loaded from a file the user has: kept non-extractable, so there is nothing to save again.
    expect(await page.getByTestId('identity-export').count()).toBe(0)
    expect(await page.getByTestId('identity-unsaved').count()).toBe(0)
  })

  it('loads a CLI identity the hub does not know yet and registers it; refuses a node identity', async () => {
    const cli = generateIdentity('account')
    await page.getByTestId('identity-file').setInputFiles({ name: 'identity.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(identityToFile(cli))) })
    await expect.poll(idShown, { timeout: 10_000 }).toBe(cli.id)
    expect(hub.accounts.get(cli.id)?.encryptionKey).toBe(cli.encryptionKey)
    const node = generateIdentity('node')
    await page.getByTestId('identity-file').setInputFiles({ name: 'identity.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(identityToFile(node))) })
    await expect.poll(() => page.getByTestId('identity-error').textContent(), { timeout: 5000 }).toMatch(/account identity/)
    expect(await idShown()).toBe(cli.id)
  })

  it('tells the other tabs: an identity created or forgotten in one is created or forgotten in all', async () => {
    const other = await context.newPage()
    await other.goto(hub.url + '/#storage')
    await expect.poll(() => other.getByTestId('identity-id').textContent(), { timeout: 10_000 }).toBe(await idShown())
    await page.getByTestId('identity-forget').click()
    await page.getByTestId('identity-create').waitFor({ timeout: 5000 })
    await other.getByTestId('identity-create').waitFor({ timeout: 10_000 })
    await other.getByTestId('identity-create').click()
    await expect.poll(() => other.getByTestId('identity-id').textContent(), { timeout: 10_000 }).toMatch(/^a_/)
    await expect.poll(idShown, { timeout: 10_000 }).toBe(await other.getByTestId('identity-id').textContent())
    await other.close()
  })

  it("ran all of it under the hub's Content-Security-Policy without a violation", () => {
    expect(violations).toEqual([])
  })
})
