import { randomBytes } from 'node:crypto'
import { lstat, readdir, readFile, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHubProcess } from '../src/index.js'
import { freePort, tempHome, testEnv, w3ai, type RunResult } from './helpers.js'

type Home = Awaited<ReturnType<typeof tempHome>>

/** Every path under `root` that its group or other users may read, write or enter: `mode path`. */
async function openToOthers(root: string): Promise<string[]> {
  const found: string[] = []
  const walk = async (path: string): Promise<void> => {
    const info = await lstat(path).catch(() => undefined) // a file removed while we walk
    if (info === undefined || info.isSymbolicLink()) return
    if ((info.mode & 0o077) !== 0) found.push(`${(info.mode & 0o777).toString(8)} ${relative(root, path) || '.'}`)
    if (info.isDirectory()) for (const name of await readdir(path).catch(() => [])) await walk(join(path, name))
  }
  await walk(root)
  return found
}

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (path: string): Promise<void> => {
    const info = await lstat(path).catch(() => undefined)
    if (info === undefined || info.isSymbolicLink()) return
    if (info.isDirectory()) for (const name of await readdir(path).catch(() => [])) await walk(join(path, name))
    else if (info.isFile()) out.push(path)
  }
  await walk(root)
  return out
}

/** The network's private key in every form it could be written: DER, base64url, base64, hex, and the raw 32-byte seed. */
function keyForms(signingKeyPkcs8: string): Buffer[] {
  const der = Buffer.from(signingKeyPkcs8, 'base64url')
  const seed = der.subarray(der.length - 32)
  return [der, seed, ...[der, seed].flatMap((b) => [b.toString('base64url'), b.toString('base64'), b.toString('hex')].map((s) => Buffer.from(s)))]
}

/**
 * Issue 8 A2: a devnet writes nothing other local users can read, and the network's order-signing
 * key appears nowhere but its own 0600 key file (not in the database, its WAL, nor any log).
 */
describe('a devnet home is private', () => {
  let home: Home
  let inputs: Home
  let hubUrl: string
  const cli = (...args: string[]): Promise<RunResult> => w3ai([...args, '--home', home.path], testEnv(), 180_000)

  beforeAll(async () => {
    home = await tempHome('w3ai-private-')
    inputs = await tempHome('w3ai-private-inputs-')
    const up = await cli('up', '--detach', '--nodes', '2', '--port', String(await freePort()), '--json')
    if (up.code !== 0) throw new Error(`w3ai up failed: ${up.stdout}${up.stderr}`)
    hubUrl = (JSON.parse(up.stdout) as { hub: { url: string } }).hub.url
    const account = await cli('account', 'create', '--name', 'private', '--json')
    if (account.code !== 0) throw new Error(`account create failed: ${account.stdout}${account.stderr}`)
    const file = join(inputs.path, 'upload.bin')
    await writeFile(file, randomBytes(300_000))
    const put = await cli('storage', 'put', file, '--redundancy', '1/2', '--json')
    if (put.code !== 0) throw new Error(`storage put failed: ${put.stdout}${put.stderr}`)
  }, 240_000)

  afterAll(async () => {
    await cli('down')
    await Promise.all([home?.remove(), inputs?.remove()])
  })

  it('has no file or directory open to group or others while it runs', async () => {
    expect(hubUrl).toMatch(/^http:\/\/127\.0\.0\.1:/)
    expect(await openToOthers(home.path)).toEqual([])
  })

  it('keeps the network private key only in <home>/hub/network-key.json (0600): not in the database, its WAL or the logs', async () => {
    const keyFile = join(home.path, 'hub', 'network-key.json')
    expect((await lstat(keyFile)).mode & 0o777).toBe(0o600)
    const forms = keyForms((JSON.parse(await readFile(keyFile, 'utf8')) as { signingKeyPkcs8: string }).signingKeyPkcs8)
    const files = (await filesUnder(home.path)).filter((f) => f !== keyFile)
    expect(files.some((f) => f.startsWith(join(home.path, 'hub', 'db')))).toBe(true)
    expect(files.some((f) => f.startsWith(join(home.path, 'logs')))).toBe(true)
    const holding: string[] = []
    for (const f of files) {
      const bytes = await readFile(f).catch(() => undefined)
      if (bytes !== undefined && forms.some((form) => bytes.includes(form))) holding.push(relative(home.path, f))
    }
    expect(holding).toEqual([])
  })

  it('has no file or directory open to group or others after `w3ai down`', async () => {
    const down = await cli('down', '--json')
    expect(down.code, down.stdout + down.stderr).toBe(0)
    expect(await openToOthers(home.path)).toEqual([])
  })
})

/** `w3ai hub start --network-key-file`: the key of a multi-hub network comes from the file the operator names. */
describe('w3ai hub start --network-key-file / --public-url', () => {
  it('creates the named key file (0600), keeps none under the home, and serves its public key', async () => {
    const home = await tempHome('w3ai-keyfile-')
    const keys = await tempHome('w3ai-keyfile-dir-')
    const keyFile = join(keys.path, 'network', 'key.json')
    const hub = await startHubProcess({ home: home.path, port: 0, networkKeyFile: keyFile, publicUrl: 'https://hub-a.example.org', env: testEnv() })
    try {
      expect((await lstat(keyFile)).mode & 0o777).toBe(0o600)
      expect((await lstat(join(keys.path, 'network'))).mode & 0o777).toBe(0o700)
      const health = (await (await fetch(`${hub.url}/v1/health`)).json()) as { orderKey: string }
      expect(health.orderKey).toBe((JSON.parse(await readFile(keyFile, 'utf8')) as { publicKey: string }).publicKey)
      expect(await readdir(join(home.path, 'hub'))).not.toContain('network-key.json')
    } finally {
      await hub.stop()
      await Promise.all([home.remove(), keys.remove()])
    }
  })

  it('refuses a public URL that is not http(s)', async () => {
    const r = await w3ai(['hub', 'start', '--port', '0', '--public-url', 'ftp://x', '--home', '/nonexistent-w3ai-home'])
    expect(r.code).not.toBe(0)
    expect(r.stdout + r.stderr).toMatch(/--public-url/)
  })
})
