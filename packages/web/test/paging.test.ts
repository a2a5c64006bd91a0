/**
 * The dashboard's paged lists against a fake hub behind a stubbed fetch: the hub client signs
 * `?limit`/`?cursor` reads and follows `nextCursor`; a paged list shows the first page, "Load
 * more" appends the next, and a refresh (after `job.updated`, a poll) re-reads the loaded extent
 * so a new job comes first and an update to a job on a later page shows; a refresh and a "Load
 * more" never race, and a cursor the hub no longer knows falls back to reading from the top.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import * as nodeCrypto from '@w3ai/crypto'
import type { Job, ObjectSummary } from '@w3ai/protocol'
import { JobsApi } from '../src/jobs/api.js'
import { appendUnique, hubPages, pagePath, PagedList, readTop, type LoadPage, type Page } from '../src/paging.js'
import { StorageApi } from '../src/storage/hub-api.js'
import { importIdentity, type BrowserIdentity } from '../src/storage/identity.js'

function job(i: number, status = 'succeeded'): Job {
  return {
    id: `j_${String(i).padStart(20, '0')}`,
    owner: 'a_00000000000000000000',
    executor: 'wasm',
    status,
    replicas: 1,
    inputs: {},
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    finishedAt: null,
    result: null,
    error: null,
    verification: null,
    history: [],
  } as Job
}

/**
 * A hub list, newest first, served as the real hub does: `?limit` (1..500, default 100),
 * `?cursor` a keyset position (the last id of the previous page), an unknown cursor 400
 * INVALID_CURSOR, and requests that must be signed over the path with its query.
 */
class FakeList<T> {
  /** Path and query of every read. */
  readonly reads: string[] = []
  /** Cursors handed out before `forgetCursors()` are refused. */
  private epoch = 0

  constructor(
    public items: T[],
    private readonly path: string,
    private readonly key: string,
    private readonly id: (item: T) => string,
  ) {}

  forgetCursors(): void {
    this.epoch++
  }

  fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://hub.test')
    const headers = Object.fromEntries(new Headers(init?.headers).entries())
    nodeCrypto.verifySignedRequest(headers, init?.method ?? 'GET', url.pathname + url.search, '')
    if (url.pathname !== this.path) return json(404, { error: { code: 'ROUTE_NOT_FOUND', message: url.pathname } })
    this.reads.push(url.pathname + url.search)
    const limit = Number(url.searchParams.get('limit') ?? 100)
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return json(400, { error: { code: 'VALIDATION', message: 'limit' } })
    let start = 0
    const cursor = url.searchParams.get('cursor')
    if (cursor !== null) {
      const [epoch, after] = cursor.split(':')
      const at = this.items.findIndex((item) => this.id(item) === after)
      if (Number(epoch) !== this.epoch || at < 0) return json(400, { error: { code: 'INVALID_CURSOR', message: 'The cursor is not one this list gave out.' } })
      start = at + 1
    }
    const page = this.items.slice(start, start + limit)
    const more = start + limit < this.items.length
    return json(200, { [this.key]: page, nextCursor: more ? `${this.epoch}:${this.id(page.at(-1)!)}` : null })
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

const jobId = (j: Job): string => j.id
const ids = (items: readonly Job[] | null): string[] => (items ?? []).map(jobId)

describe('paged hub lists', () => {
  let identity: BrowserIdentity
  beforeAll(async () => {
    identity = await importIdentity(JSON.stringify(nodeCrypto.identityToFile(nodeCrypto.generateIdentity('account'))))
  })
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  /** 150 jobs, newest first, and the dashboard's jobs client on them. */
  function jobsHub(count = 150) {
    const hub = new FakeList(
      Array.from({ length: count }, (_, i) => job(count - 1 - i)),
      '/v1/jobs',
      'jobs',
      jobId,
    )
    vi.stubGlobal('fetch', hub.fetch)
    return { hub, api: new JobsApi(new StorageApi(identity)) }
  }

  it('asks for one page by limit and cursor', () => {
    expect(pagePath('/v1/jobs', null, 100)).toBe('/v1/jobs?limit=100')
    expect(pagePath('/v1/jobs', 'a b/c+d=', 50)).toBe('/v1/jobs?limit=50&cursor=a+b%2Fc%2Bd%3D')
    expect(appendUnique([job(1)], [job(1), job(2), job(2)], jobId).map(jobId)).toEqual([job(1).id, job(2).id])
  })

  it('reads signed pages of jobs and follows nextCursor to the end', async () => {
    const { hub, api } = jobsHub()
    const first = await api.jobPages(null, 100)
    expect(first.items).toHaveLength(100)
    expect(first.items[0]!.id).toBe(job(149).id)
    expect(first.nextCursor).not.toBeNull()
    const second = await api.jobPages(first.nextCursor, 100)
    expect(second.items).toHaveLength(50)
    expect(second.items.at(-1)!.id).toBe(job(0).id)
    expect(second.nextCursor).toBeNull()
    expect(hub.reads).toEqual(['/v1/jobs?limit=100', `/v1/jobs?limit=100&cursor=${encodeURIComponent(first.nextCursor!)}`])
  })

  it('shows the first page, then the next on "Load more", then nothing more', async () => {
    const { hub, api } = jobsHub()
    const list = new PagedList(api.jobPages, jobId)
    const seen: number[] = []
    list.subscribe(() => seen.push(list.snapshot.items?.length ?? -1))
    expect(list.snapshot.items).toBeNull()
    await list.refresh()
    expect(list.snapshot.items).toHaveLength(100)
    expect(list.snapshot.nextCursor).not.toBeNull()
    expect(list.snapshot.loading).toBeNull()
    await list.more()
    expect(ids(list.snapshot.items)).toEqual(hub.items.map(jobId))
    expect(list.snapshot.nextCursor).toBeNull()
    await list.more() // nothing left: no request
    expect(hub.reads).toHaveLength(2)
    expect(seen).toContain(100)
    expect(seen.at(-1)).toBe(150)
  })

  it('refreshes the loaded extent: a new job on top, an update to a job on the second page', async () => {
    const { hub, api } = jobsHub(250)
    const list = new PagedList(api.jobPages, jobId)
    await list.refresh()
    await list.more()
    expect(list.snapshot.items).toHaveLength(200)
    hub.items.unshift(job(1000, 'queued'))
    const onPage2 = hub.items.findIndex((j) => j.id === job(120).id)
    expect(onPage2).toBeGreaterThan(100)
    hub.items[onPage2] = job(120, 'failed')
    hub.reads.length = 0
    await list.refresh()
    // One read from the top for the 200 loaded: the new job first, the oldest loaded one pushed
    // to the next "Load more", nothing repeated or skipped.
    expect(hub.reads).toEqual(['/v1/jobs?limit=200'])
    const items = list.snapshot.items!
    expect(items).toHaveLength(200)
    expect(items[0]).toMatchObject({ id: job(1000).id, status: 'queued' })
    expect(items.find((j) => j.id === job(120).id)?.status).toBe('failed')
    await list.more()
    expect(ids(list.snapshot.items)).toEqual(hub.items.slice(0, 251).map(jobId))
    expect(list.snapshot.nextCursor).toBeNull()
  })

  it('keeps a fully loaded list complete when jobs are added', async () => {
    const { hub, api } = jobsHub()
    const list = new PagedList(api.jobPages, jobId)
    await list.refresh()
    await list.more()
    hub.items.unshift(job(1001), job(1000))
    await list.refresh()
    expect(ids(list.snapshot.items)).toEqual(hub.items.map(jobId))
    expect(list.snapshot.items).toHaveLength(152)
    expect(list.snapshot.nextCursor).toBeNull()
  })

  it('reads past the largest page in several requests', async () => {
    const { hub, api } = jobsHub(1200)
    const page = await readTop(api.jobPages, 1100, jobId)
    expect(page.items).toHaveLength(1100)
    expect(page.nextCursor).not.toBeNull()
    expect(hub.reads.map((r) => new URL(r, 'http://x').searchParams.get('limit'))).toEqual(['500', '500', '100'])
  })

  it('runs one operation at a time: a refresh requested during "Load more" sees the appended page', async () => {
    const { hub, api } = jobsHub()
    const list = new PagedList(api.jobPages, jobId)
    await list.refresh()
    const more = list.more()
    const refresh = list.refresh()
    expect(list.refresh()).toBe(refresh) // a refresh still waiting its turn is joined
    await Promise.all([more, refresh])
    expect(list.snapshot.items).toHaveLength(150)
    expect(hub.reads.at(-1)).toBe('/v1/jobs?limit=150')
  })

  it('keeps the loaded items and reports the error when a read fails', async () => {
    const { api } = jobsHub()
    const list = new PagedList(api.jobPages, jobId)
    await list.refresh()
    vi.stubGlobal('fetch', async () => json(503, { error: { code: 'UNAVAILABLE', message: 'hub down' } }))
    await list.more()
    expect(list.snapshot.items).toHaveLength(100)
    expect(list.snapshot.error).toBe('hub down')
    expect(list.snapshot.loading).toBeNull()
  })

  it('reads from the top again when the hub no longer knows the cursor (INVALID_CURSOR)', async () => {
    const { hub, api } = jobsHub()
    const list = new PagedList(api.jobPages, jobId)
    await list.refresh()
    hub.forgetCursors()
    await list.more()
    expect(list.snapshot.error).toBeNull()
    expect(ids(list.snapshot.items)).toEqual(hub.items.map(jobId))
    expect(hub.reads.at(-1)).toBe('/v1/jobs?limit=200')
  })

  it('pages storage objects and deployments the same way', async () => {
    const objects: ObjectSummary[] = Array.from({ length: 130 }, (_, i) => ({ cid: `b${String(i).padStart(10, '0')}` }) as ObjectSummary)
    const hub = new FakeList(objects, '/v1/storage/objects', 'objects', (o) => o.cid)
    vi.stubGlobal('fetch', hub.fetch)
    const load: LoadPage<ObjectSummary> = hubPages(new StorageApi(identity), '/v1/storage/objects', 'objects')
    const list = new PagedList(load, (o) => o.cid)
    await list.refresh()
    expect(list.snapshot.items).toHaveLength(100)
    await list.more()
    expect(list.snapshot.items?.map((o) => o.cid)).toEqual(objects.map((o) => o.cid))

    const deployments = new FakeList([{ id: 'd_1' }, { id: 'd_2' }], '/v1/deployments', 'deployments', (d) => d.id)
    vi.stubGlobal('fetch', deployments.fetch)
    const page: Page<unknown> = await new JobsApi(new StorageApi(identity)).deploymentPages(null, 100)
    expect(page).toEqual({ items: [{ id: 'd_1' }, { id: 'd_2' }], nextCursor: null })
  })
})
