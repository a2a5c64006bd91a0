/**
 * Identities made in the browser (WebCrypto; Node's runs the same code here) and the CLI's
 * (@w3ai/crypto) are one format: a browser-created identity.json loads in the CLI keystore and
 * signs requests the hub's verifier accepts, and a CLI identity.json loads in the browser and
 * opens keys wrapped to it. Also the signed `/v1/events` subscription and the built-in programs.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as nodeCrypto from '@w3ai/crypto'
import { signedSubscription } from '../src/events-auth.js'
import { canExport, createIdentity, exportIdentity, IDENTITY_FILE_NAME, identityToFile, importIdentity } from '../src/storage/identity.js'
import { signRequest } from '../src/storage/signed-request.js'
import { unwrapKey, wrapKey } from '../src/storage/wrap.js'

const withHome = async <T>(fn: (home: string) => Promise<T>): Promise<T> => {
  const home = await mkdtemp(join(tmpdir(), 'w3ai-web-identity-'))
  try {
    return await fn(home)
  } finally {
    await rm(home, { recursive: true, force: true })
  }
}

/** What the hub's signature check does with the four signed values. */
const verify = (method: string, path: string, body: string, headers: Record<string, string>) => nodeCrypto.verifySignedRequest(headers, method, path, body, Number(headers['x-w3ai-timestamp']))

describe('browser identity ⇄ CLI identity.json', () => {
  it('creates an account identity whose exported identity.json the CLI keystore loads', async () => {
    const created = await createIdentity(new Date('2026-01-02T03:04:05.000Z'))
    expect(created.id).toMatch(/^a_[0-9a-f]{20}$/)
    expect(canExport(created)).toBe(true)
    const text = await exportIdentity(created)
    expect(text.endsWith('\n')).toBe(true)
    await withHome(async (home) => {
      expect(IDENTITY_FILE_NAME).toBe(nodeCrypto.IDENTITY_FILE)
      await writeFile(join(home, IDENTITY_FILE_NAME), text, { mode: 0o600 })
      const cli = await nodeCrypto.readIdentity(home)
      expect(cli).toMatchObject({ kind: 'account', id: created.id, publicKey: created.publicKey, encryptionKey: created.encryptionKey, createdAt: '2026-01-02T03:04:05.000Z' })
      expect(nodeCrypto.idFromPublicKey('account', created.publicKey)).toBe(created.id)
      // The same keys: what the browser signs the CLI's key verifies, and what is wrapped to the
      // browser's public key the CLI opens.
      const data = new TextEncoder().encode('hello')
      const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, created.signingKey, data))
      expect(nodeCrypto.verifyBytes(cli!.publicKey, data, Buffer.from(sig).toString('base64url'))).toBe(true)
      const objectKey = new Uint8Array(32).fill(7)
      expect(Buffer.from(nodeCrypto.unwrapKey(await wrapKey(objectKey, created.encryptionKey), cli!))).toEqual(Buffer.from(objectKey))
    })
  })

  it("writes the file byte for byte as the CLI writes the same identity", async () => {
    const created = await createIdentity()
    const cli = nodeCrypto.identityFromFile(await identityToFile(created))
    await withHome(async (home) => {
      await nodeCrypto.writeIdentity(home, cli)
      expect(await readFile(join(home, IDENTITY_FILE_NAME), 'utf8')).toBe(await exportIdentity(created))
    })
  })

  it('loads the CLI keystore identity.json, exportable on request, and exports it unchanged', async () => {
    await withHome(async (home) => {
      const { identity: cli } = await nodeCrypto.loadOrCreateIdentity(home, 'account')
      const text = await readFile(join(home, IDENTITY_FILE_NAME), 'utf8')
      const loaded = await importIdentity(text)
      expect(loaded).toMatchObject({ id: cli.id, publicKey: cli.publicKey, encryptionKey: cli.encryptionKey, createdAt: cli.createdAt })
      expect(canExport(loaded)).toBe(false) // the user has the file; the page keeps keys it cannot leak
      await expect(exportIdentity(loaded)).rejects.toThrow()
      const exportable = await importIdentity(text, { extractable: true })
      expect(await exportIdentity(exportable)).toBe(text)
      // Keys the CLI wraps to this account open in the browser.
      const objectKey = new Uint8Array(32).fill(9)
      expect(Array.from(await unwrapKey(nodeCrypto.wrapKey(objectKey, cli.encryptionKey), loaded))).toEqual(Array.from(objectKey))
    })
  })

  it('refuses a node identity, a tampered file and a file that is not an identity', async () => {
    const node = JSON.stringify(nodeCrypto.identityToFile(nodeCrypto.generateIdentity('node')))
    await expect(importIdentity(node)).rejects.toThrow(/account identity/)
    const a = await identityToFile(await createIdentity())
    const b = await identityToFile(await createIdentity())
    await expect(importIdentity(JSON.stringify({ ...a, signingKeyPkcs8: b.signingKeyPkcs8 }))).rejects.toThrow(/does not match/)
    await expect(importIdentity(JSON.stringify({ ...a, id: b.id }))).rejects.toThrow(/id does not match/)
    await expect(importIdentity(JSON.stringify({ ...a, decryptionKeyPkcs8: 'AAAA' }))).rejects.toThrow(/cannot be read/)
    await expect(importIdentity('{"version":2}')).rejects.toThrow(/not a w3ai identity/)
    await expect(importIdentity('nope')).rejects.toThrow(/not JSON/)
  })

  it('loads an identity.json without createdAt (older files) with the time of loading', async () => {
    const { createdAt: _dropped, ...file } = await identityToFile(await createIdentity())
    const loaded = await importIdentity(JSON.stringify(file), { now: new Date('2026-05-06T07:08:09.000Z') })
    expect(loaded.createdAt).toBe('2026-05-06T07:08:09.000Z')
  })
})

describe('signed /v1/events subscription', () => {
  it('carries a signed GET /v1/events (no query, empty body) that the hub verifier accepts', async () => {
    const identity = await createIdentity()
    const params = await signedSubscription(identity, { now: 1_700_000_000_000, nonce: 'bm9uY2Utbm9uY2Utbm9uY2U' })
    expect(Object.keys(params).sort()).toEqual(['key', 'nonce', 'signature', 'timestamp'])
    expect(params).toMatchObject({ key: identity.publicKey, timestamp: '1700000000000', nonce: 'bm9uY2Utbm9uY2Utbm9uY2U' })
    const headers = { 'x-w3ai-key': params.key!, 'x-w3ai-timestamp': params.timestamp!, 'x-w3ai-nonce': params.nonce!, 'x-w3ai-signature': params.signature! }
    // Byte-identical to the headers of the same signed request.
    expect(await signRequest(identity, 'GET', '/v1/events', undefined, { now: 1_700_000_000_000, nonce: 'bm9uY2Utbm9uY2Utbm9uY2U' })).toEqual(headers)
    expect(() => verify('GET', '/v1/events', '', headers)).not.toThrow()
    expect(() => verify('GET', '/v1/events?x=1', '', headers)).toThrow()
  })
})
