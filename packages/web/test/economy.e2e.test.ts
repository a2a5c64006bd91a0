/**
 * End to end in Chromium on a real devnet (one node, the faucet on): the wallet tab, loaded with an
 * identity that took faucet tokens through the SDK, shows its balance; a transfer through the form
 * moves it (and the other account's, as the SDK reads it); a transfer to the node shows in node
 * earnings; the faucet button adds the faucet's amount; the treasury and burned supply chart
 * replays the public journal to exactly the hub's summary. Then the governance tab shows a proposal
 * made through the SDK and its tally changes live, without a reload, after an SDK vote and after a
 * vote through the page's button. Screenshots land in a temp directory whose path is logged.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startDevnet, type Devnet } from '@w3ai/cli'
import { IDENTITY_FILE, loadOrCreateIdentity, type Identity } from '@w3ai/crypto'
import { parseTokens } from '@w3ai/ledger'
import { GovernanceClient, HubClient, LedgerClient, WalletClient } from '@w3ai/sdk'
import { ensureBuilt, HAS_CHROMIUM, launchBrowser, SKIP_REASON } from './browser.js'

const units = (tokens: string): string => parseTokens(tokens).toString()

if (!HAS_CHROMIUM) console.warn(`skipping economy e2e test: ${SKIP_REASON}`)

describe.skipIf(!HAS_CHROMIUM)('wallet and governance tabs on a devnet', () => {
  const dirs: string[] = []
  let shots: string
  let devnet: Devnet | undefined
  let browser: Browser | undefined
  let page: Page
  let me: Identity
  let other: Identity
  let myHub: HubClient
  let otherHub: HubClient

  const balance = () => page.getByTestId('wallet-balance').getAttribute('data-units')

  beforeAll(async () => {
    await ensureBuilt()
    const home = await mkdtemp(join(tmpdir(), 'w3ai-web-economy-'))
    const myHome = await mkdtemp(join(tmpdir(), 'w3ai-web-economy-me-'))
    const otherHome = await mkdtemp(join(tmpdir(), 'w3ai-web-economy-other-'))
    shots = await mkdtemp(join(tmpdir(), 'w3ai-web-economy-shots-'))
    dirs.push(home, myHome, otherHome)
    console.log(`economy e2e screenshots: ${shots}`)
    // Votes stay open far longer than the test runs; a proposal opens at once.
    devnet = await startDevnet({ home, nodes: 1, hubPort: 0, logLevel: 'warn', env: { W3AI_GOV_VOTING_DELAY_MS: '0', W3AI_GOV_VOTING_PERIOD_MS: '3600000' } })
    me = (await loadOrCreateIdentity(myHome, 'account')).identity
    other = (await loadOrCreateIdentity(otherHome, 'account')).identity
    myHub = new HubClient({ url: devnet.hubUrl, identity: me })
    otherHub = new HubClient({ url: devnet.hubUrl, identity: other })
    await myHub.createAccount({ name: 'economy-e2e', encryptionKey: me.encryptionKey })
    await otherHub.createAccount({ name: 'economy-e2e-other', encryptionKey: other.encryptionKey })
    await new WalletClient(myHub).faucet(parseTokens('100'))
    await new WalletClient(otherHub).faucet(parseTokens('50'))
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 1100 } })
    page.on('pageerror', (err) => console.error('page error:', err))
    await page.goto(`${devnet.hubUrl}/#wallet`)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await devnet?.stop()
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  }, 60_000)

  it('shows the balance and history of the identity that took faucet tokens, and the supply chart from the journal', async () => {
    await page.getByTestId('wallet-tab').waitFor({ timeout: 10_000 })
    // Without an identity the public parts already show: the chart and node earnings.
    await page.getByTestId('supply-chart').waitFor({ timeout: 10_000 })
    await page.getByTestId('identity-file').setInputFiles(join(dirs[1] as string, IDENTITY_FILE))
    await expect.poll(balance, { timeout: 10_000 }).toBe(units('100'))
    expect(await page.getByTestId('wallet-available').getAttribute('data-units')).toBe(units('100'))
    expect(await page.getByTestId('wallet-card').textContent()).toContain(`user:${me.id}`)
    await expect.poll(() => page.getByTestId('wallet-entry').count(), { timeout: 10_000 }).toBe(1)
    expect(await page.getByTestId('wallet-entry').first().getAttribute('data-direction')).toBe('in')

    // The chart replays the public journal to exactly what the hub sums up.
    const summary = await new LedgerClient(myHub).summary()
    await expect.poll(() => page.getByTestId('supply-treasury').getAttribute('data-units'), { timeout: 10_000 }).toBe(summary.treasury)
    expect(await page.getByTestId('supply-burned').getAttribute('data-units')).toBe(summary.burned)
    expect(await page.getByTestId('supply-point').count()).toBeGreaterThanOrEqual(1)
    expect(await page.locator('[data-testid="supply-chart"] path.curve-line').count()).toBe(2)
    await page.screenshot({ path: join(shots, 'wallet.png'), fullPage: true })
  }, 60_000)

  it('moves the balance with a transfer through the form, pays a node, and takes faucet tokens with the button', async () => {
    await page.evaluate(() => ((window as unknown as { economyMark: number }).economyMark = 1))
    await page.getByTestId('transfer-to').fill(other.id)
    await page.getByTestId('transfer-amount').fill('2.5')
    await page.getByTestId('transfer-send').click()
    await page.getByTestId('transfer-sent').waitFor({ timeout: 10_000 })
    await expect.poll(balance, { timeout: 10_000 }).toBe(units('97.5'))
    expect((await new WalletClient(otherHub).balance()).balance).toBe(units('52.5'))

    const node = devnet?.nodes[0]?.id as string
    await page.getByTestId('transfer-to').fill(node)
    await page.getByTestId('transfer-amount').fill('0.5')
    await page.getByTestId('transfer-send').click()
    await expect.poll(balance, { timeout: 10_000 }).toBe(units('97'))
    const earning = page.locator(`[data-testid="earning-row"][data-node-id="${node}"]`)
    await expect.poll(() => earning.getAttribute('data-earned'), { timeout: 15_000 }).toBe(units('0.5'))

    // A bad amount is refused in the page, nothing sent.
    await page.getByTestId('transfer-amount').fill('1.0000000000000000001')
    await page.getByTestId('transfer-send').click()
    await page.getByTestId('transfer-error').waitFor({ timeout: 5000 })
    expect(await balance()).toBe(units('97'))

    await page.getByTestId('wallet-faucet').click()
    await page.getByTestId('wallet-faucet-note').waitFor({ timeout: 10_000 })
    await expect.poll(balance, { timeout: 10_000 }).toBe(units('1097'))
    await expect.poll(() => page.getByTestId('wallet-entry').count(), { timeout: 10_000 }).toBe(4)
    expect(await page.evaluate(() => (window as unknown as { economyMark?: number }).economyMark)).toBe(1)
    await page.screenshot({ path: join(shots, 'wallet-after.png'), fullPage: true })
  }, 60_000)

  it('shows a proposal and its tally changing live after an SDK vote and a vote through the page', async () => {
    await page.getByTestId('tab-governance').click()
    await page.getByTestId('governance-tab').waitFor({ timeout: 10_000 })
    await page.evaluate(() => ((window as unknown as { governanceMark: number }).governanceMark = 1))
    const gov = new GovernanceClient(otherHub)
    const proposal = await gov.propose({ burnShareBps: 2500 }, { description: 'burn a quarter of every fee' })
    const card = page.locator(`[data-testid="proposal"][data-proposal-id="${proposal.id}"]`)
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 15_000 }).toBe('active')
    expect(await card.getAttribute('data-for')).toBe('0')

    // The other account votes through the SDK: the page's tally follows without a reload.
    const voted = await gov.vote(proposal.id, 'for')
    expect(voted.vote.weight).toBe(units('52.5'))
    await expect.poll(() => card.getAttribute('data-for'), { timeout: 15_000 }).toBe(units('52.5'))
    expect(Number(await card.getByTestId('tally-for').getAttribute('data-pct'))).toBeGreaterThan(0)

    // This account votes through the page: its weight is its balance at the proposal's snapshot.
    await card.getByTestId('vote-against').click()
    await card.getByTestId('proposal-voted').waitFor({ timeout: 10_000 })
    await expect.poll(() => card.getAttribute('data-against'), { timeout: 15_000 }).toBe(units('1097'))
    expect((await gov.get(proposal.id)).tally).toMatchObject({ for: units('52.5'), against: units('1097'), voters: 2 })
    expect(await card.getByTestId('vote-for').count()).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { governanceMark?: number }).governanceMark)).toBe(1)
    await page.screenshot({ path: join(shots, 'governance.png'), fullPage: true })
  }, 60_000)
})
