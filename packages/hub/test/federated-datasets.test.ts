import { generateIdentity, signRequest, type Identity } from '@w3ai/crypto'
import type { DatasetAnnouncement, DatasetList } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, sampleRegistration, startTestHub, type TestHub } from './helpers.js'

const digits = (name: string, rows = 100): DatasetAnnouncement => ({ name, format: 'csv', schema: { features: 64, shape: [64], integerLabels: true, maxLabel: 9 }, rows })

describe.each(backends())('node datasets on %s', (backend) => {
  let t: TestHub
  const [a, b, c] = [generateIdentity('node'), generateIdentity('node'), generateIdentity('node')]

  beforeAll(async () => {
    t = await startTestHub(backend, { listen: false })
  })
  afterAll(async () => t?.close())

  async function register(node: Identity, datasets: unknown): Promise<{ status: number; code: string | undefined }> {
    const body = JSON.stringify(sampleRegistration(datasets === undefined ? {} : { datasets }))
    const res = await t.hub.app.inject({ method: 'POST', url: '/v1/nodes', headers: { 'content-type': 'application/json', ...signRequest(node, 'POST', '/v1/nodes', body) }, payload: body })
    return { status: res.statusCode, code: res.statusCode >= 400 ? res.json<{ error: { code: string } }>().error.code : undefined }
  }

  async function list(query = ''): Promise<DatasetList> {
    const res = await t.hub.app.inject({ method: 'GET', url: `/v1/datasets${query}` })
    expect(res.statusCode, res.body).toBe(200)
    return res.json<DatasetList>()
  }

  it('lists the datasets nodes announce when they register, by name then node, with the holder status', async () => {
    expect((await register(a, [digits('digits-0', 180), digits('shared')])).status).toBe(201)
    expect((await register(b, [digits('digits-1', 170), digits('shared', 90)])).status).toBe(201)
    const { datasets, nextCursor } = await list()
    expect(datasets.map((d) => [d.name, d.nodeId])).toEqual([
      ['digits-0', a.id],
      ['digits-1', b.id],
      ...[a.id, b.id].sort().map((id) => ['shared', id]),
    ])
    expect(datasets[0]).toMatchObject({ format: 'csv', rows: 180, schema: { features: 64, shape: [64], maxLabel: 9 }, nodeStatus: 'offline' })
    expect(nextCursor).toBeNull()
  })

  it('filters by name and by node', async () => {
    expect((await list('?name=shared')).datasets.map((d) => d.rows).sort((x, y) => x - y)).toEqual([90, 100])
    expect((await list(`?nodeId=${b.id}`)).datasets.map((d) => d.name)).toEqual(['digits-1', 'shared'])
    expect((await list('?name=nothing-here')).datasets).toEqual([])
  })

  it('pages with cursors, repeating and skipping nothing', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: DatasetList = await list(`?limit=1${cursor === null ? '' : `&cursor=${cursor}`}`)
      seen.push(...page.datasets.map((d) => `${d.name}@${d.nodeId}`))
      cursor = page.nextCursor
    } while (cursor !== null)
    expect(seen).toEqual((await list()).datasets.map((d) => `${d.name}@${d.nodeId}`))
    const bad = await t.hub.app.inject({ method: 'GET', url: '/v1/datasets?cursor=bm9wZQ' })
    expect(bad.json<{ error: { code: string } }>().error.code).toBe('INVALID_CURSOR')
  })

  it('replaces what a node announced before; a node that sends no list keeps its datasets', async () => {
    expect((await register(a, [digits('digits-0', 200)])).status).toBe(200)
    expect((await list(`?nodeId=${a.id}`)).datasets.map((d) => [d.name, d.rows])).toEqual([['digits-0', 200]])
    expect((await register(a, undefined)).status).toBe(200)
    expect((await list(`?nodeId=${a.id}`)).datasets).toHaveLength(1)
    expect((await register(a, [])).status).toBe(200)
    expect((await list(`?nodeId=${a.id}`)).datasets).toEqual([])
  })

  it('refuses a dataset named twice or a malformed schema, and changes nothing', async () => {
    expect(await register(c, [digits('x'), digits('x')])).toEqual({ status: 400, code: 'VALIDATION_FAILED' })
    const bad: unknown[] = [
      [{ ...digits('y'), rows: 0 }],
      [{ ...digits('y'), name: 'no spaces' }],
      [{ ...digits('y'), format: 'parquet' }],
      [{ ...digits('y'), schema: { features: 0, shape: [0], integerLabels: true } }],
      [{ ...digits('y'), extra: 1 }],
    ]
    for (const datasets of bad) expect(await register(c, datasets)).toEqual({ status: 400, code: 'VALIDATION_FAILED' })
    expect((await list(`?nodeId=${c.id}`)).datasets).toEqual([])
    const node = await t.hub.app.inject({ method: 'GET', url: `/v1/nodes/${c.id}` })
    expect(node.statusCode).toBe(404)
  })

  it('refuses bad filters with VALIDATION_FAILED', async () => {
    for (const q of ['?name=a%20b', '?nodeId=n_1', '?limit=0']) {
      const res = await t.hub.app.inject({ method: 'GET', url: `/v1/datasets${q}` })
      expect([res.statusCode, res.json<{ error: { code: string } }>().error.code], q).toEqual([400, 'VALIDATION_FAILED'])
    }
  })
})
