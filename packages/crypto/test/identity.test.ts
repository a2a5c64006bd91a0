import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { W3aiError } from '@w3ai/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import {
  generateIdentity,
  idFromPublicKey,
  loadOrCreateIdentity,
  readIdentity,
  resolveHome,
  signBytes,
  signRequest,
  verifyBytes,
  verifySignedRequest,
} from '../src/index.js'

const dirs: string[] = []
async function temp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'w3ai-crypto-'))
  dirs.push(d)
  return d
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

describe('identities', () => {
  it('derives ids from the signing key, n_ for nodes and a_ for accounts', () => {
    const node = generateIdentity('node')
    expect(node.id).toMatch(/^n_[0-9a-f]{20}$/)
    expect(node.id).toBe(idFromPublicKey('node', node.publicKey))
    expect(generateIdentity('account').id).toMatch(/^a_[0-9a-f]{20}$/)
  })

  it('is created once as a 0600 file under the home and loaded unchanged afterwards', async () => {
    const home = await temp()
    const first = await loadOrCreateIdentity(home, 'account')
    expect(first.created).toBe(true)
    expect((await stat(join(home, 'identity.json'))).mode & 0o777).toBe(0o600)
    const second = await loadOrCreateIdentity(home, 'account')
    expect(second.created).toBe(false)
    expect(second.identity.id).toBe(first.identity.id)
    const sig = signBytes(second.identity, Buffer.from('hello'))
    expect(verifyBytes(first.identity.publicKey, Buffer.from('hello'), sig)).toBe(true)
  })

  it('refuses a corrupt or tampered identity file with IDENTITY_CORRUPT', async () => {
    const home = await temp()
    await loadOrCreateIdentity(home, 'node')
    const path = join(home, 'identity.json')
    const file = JSON.parse(await readFile(path, 'utf8')) as Record<string, string>
    file.publicKey = generateIdentity('node').publicKey
    await writeFile(path, JSON.stringify(file))
    await expect(readIdentity(home)).rejects.toMatchObject({ code: 'IDENTITY_CORRUPT' })
    await writeFile(path, '{not json')
    await expect(readIdentity(home)).rejects.toBeInstanceOf(W3aiError)
    expect(await readIdentity(await temp())).toBeUndefined()
  })

  it('resolves the home from the flag, then W3AI_HOME, then ~/.w3ai', () => {
    expect(resolveHome('/x/y', { W3AI_HOME: '/env' })).toBe('/x/y')
    expect(resolveHome(undefined, { W3AI_HOME: '/env' })).toBe('/env')
    expect(resolveHome(undefined, {})).toMatch(/\.w3ai$/)
  })
})

describe('signed requests', () => {
  const id = generateIdentity('account')

  it('verifies what it signs, including the query string and body digest', () => {
    const h = signRequest(id, 'post', '/v1/x?a=1', '{"b":2}')
    expect(verifySignedRequest(h, 'POST', '/v1/x?a=1', '{"b":2}').publicKey).toBe(id.publicKey)
    expect(() => verifySignedRequest(h, 'POST', '/v1/x?a=2', '{"b":2}')).toThrow(expect.objectContaining({ code: 'AUTH_BAD_SIGNATURE' }))
    expect(() => verifySignedRequest(h, 'POST', '/v1/x?a=1', '{"b":3}')).toThrow(expect.objectContaining({ code: 'AUTH_BAD_SIGNATURE' }))
  })

  it('treats an absent and an empty body alike', () => {
    const h = signRequest(id, 'GET', '/v1/y')
    expect(verifySignedRequest(h, 'GET', '/v1/y', Buffer.alloc(0)).publicKey).toBe(id.publicKey)
  })

  it('refuses stale timestamps at exactly the 60 s edge', () => {
    const now = 1_800_000_000_000
    const h = signRequest(id, 'GET', '/v1/y', undefined, { now: now - 60_001 })
    expect(() => verifySignedRequest(h, 'GET', '/v1/y', undefined, now)).toThrow(expect.objectContaining({ code: 'AUTH_STALE_TIMESTAMP' }))
    const ok = signRequest(id, 'GET', '/v1/y', undefined, { now: now - 60_000 })
    expect(verifySignedRequest(ok, 'GET', '/v1/y', undefined, now).timestamp).toBe(now - 60_000)
  })

  it('refuses duplicated headers as malformed rather than guessing', () => {
    const h = { ...signRequest(id, 'GET', '/v1/y'), 'x-w3ai-nonce': ['a'.repeat(20), 'b'.repeat(20)] }
    expect(() => verifySignedRequest(h, 'GET', '/v1/y', undefined)).toThrow(expect.objectContaining({ code: 'AUTH_MALFORMED_SIGNATURE' }))
  })
})
