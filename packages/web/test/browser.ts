/**
 * Shared browser plumbing for the dashboard's browser tests: Debian's Chromium driven by
 * playwright-core (Playwright's own browser download is unavailable here), and the built dashboard.
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM_PATH = '/usr/bin/chromium'
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH)
export const SKIP_REASON = `${CHROMIUM_PATH} is missing; install it with \`apt-get install -y chromium\` to run the dashboard browser tests`

/** packages/web, where `dist/` is built. */
export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const DIST = join(WEB_ROOT, 'dist')

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

/**
 * Builds the dashboard when `dist/` is absent, so the test also runs from a fresh checkout
 * (`npm test` builds it first anyway; a stale build is the caller's to refresh).
 */
export async function ensureBuilt(): Promise<void> {
  if (existsSync(join(DIST, 'index.html'))) return
  const { build } = await import('vite')
  await build({ root: WEB_ROOT, configFile: join(WEB_ROOT, 'vite.config.ts'), logLevel: 'warn' })
}
