import { generateIdentity, signRequest, type Identity } from '@w3ai/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loggableError } from '../src/shell/errors.js'
import { hasUnstorableString } from '../src/shell/limits.js'
import { sampleRegistration, startTestHub, type TestHub } from './helpers.js'

const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

/** Strings PostgreSQL text cannot hold (NUL, unpaired surrogates) are refused before any handler runs. */
describe('unstorable strings', () => {
  let t: TestHub
  const alice = generateIdentity('account')

  beforeAll(async () => {
    t = await startTestHub('pglite', { listen: false })
    const body = JSON.stringify({ name: 'alice', encryptionKey: alice.encryptionKey })
    const res = await call(alice, 'POST', '/v1/accounts', body)
    expect(res.statusCode).toBe(201)
  })
  afterAll(async () => t?.close())

  function call(who: Identity, method: 'GET' | 'POST', url: string, body?: string) {
    const headers = { ...signRequest(who, method, url, body), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }
    return t.hub.app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body }) })
  }

  const codeOf = (res: { statusCode: number; body: string }): [number, string] => [res.statusCode, (JSON.parse(res.body) as { error: { code: string } }).error.code]

  it('refuses a NUL or a lone surrogate in an account name, and creates no account', async () => {
    for (const name of ['bad\u0000name', 'bad\ud800name', '\udc00']) {
      const bob = generateIdentity('account')
      expect(codeOf(await call(bob, 'POST', '/v1/accounts', JSON.stringify({ name, encryptionKey: bob.encryptionKey })))).toEqual([400, 'INVALID_STRING'])
      expect(codeOf(await call(bob, 'GET', '/v1/accounts/me'))).toEqual([404, 'ACCOUNT_NOT_FOUND'])
    }
  })

  it('refuses them in an upload name, a job parameter and a registration key, wherever they sit', async () => {
    expect(codeOf(await call(alice, 'POST', '/v1/storage/uploads', JSON.stringify({ size: 10, name: 'photo\ud800.jpg' })))).toEqual([400, 'INVALID_STRING'])
    expect(codeOf(await call(alice, 'POST', '/v1/jobs', JSON.stringify({ executor: 'wasm', inputs: { module: CID }, params: ['--flag', 'a\u0000b'] })))).toEqual([400, 'INVALID_STRING'])
    const node = generateIdentity('node')
    const reg = { ...sampleRegistration(), location: { ...sampleRegistration().location, city: 'Frank\u0000furt' } }
    expect(codeOf(await call(node, 'POST', '/v1/nodes', JSON.stringify(reg)))).toEqual([400, 'INVALID_STRING'])
    expect(codeOf(await call(alice, 'POST', '/v1/jobs', JSON.stringify({ executor: 'wasm', inputs: { ['mod\u0000ule']: CID } })))).toEqual([400, 'INVALID_STRING'])
  })

  it('refuses them in a query string and a path parameter', async () => {
    expect(codeOf(await t.hub.app.inject({ method: 'GET', url: '/v1/nodes?region=%00' }))).toEqual([400, 'INVALID_STRING'])
    expect(codeOf(await t.hub.app.inject({ method: 'GET', url: '/v1/accounts/a_%00' }))).toEqual([400, 'INVALID_STRING'])
  })

  it('changed nothing: no jobs, no objects, no nodes, and the account is as it was', async () => {
    expect(JSON.parse((await call(alice, 'GET', '/v1/jobs')).body)).toEqual({ jobs: [], nextCursor: null })
    expect(JSON.parse((await call(alice, 'GET', '/v1/storage/objects')).body)).toEqual({ objects: [], nextCursor: null })
    expect((JSON.parse((await t.hub.app.inject({ method: 'GET', url: '/v1/nodes' })).body) as { total: number }).total).toBe(0)
    expect((JSON.parse((await call(alice, 'GET', '/v1/accounts/me')).body) as { name: string }).name).toBe('alice')
  })

  it('finds them at any depth and accepts well-formed text, surrogate pairs included', () => {
    expect(hasUnstorableString({ a: [{ b: 'x\u0000' }] })).toBe(true)
    expect(hasUnstorableString({ a: '\ud83d' })).toBe(true)
    expect(hasUnstorableString({ a: 'emoji \ud83d\ude00 ok', b: [1, null, true], 'ключ': 'значение' })).toBe(false)
  })
})

describe('what errors may log', () => {
  it('keeps a database error\'s code and message but not its query or parameters', () => {
    const err = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021', query: 'INSERT INTO accounts VALUES ($1)', params: ['secret-name'], detail: 'secret-name' })
    const logged = JSON.stringify(loggableError(err))
    expect(logged).toContain('22021')
    expect(logged).not.toContain('secret-name')
    expect(logged).not.toContain('INSERT INTO')
  })
})
