/**
 * The hub's paged lists in the page (`/v1/jobs`, `/v1/deployments`, `/v1/storage/objects`): the
 * first page, then "Load more" follows `nextCursor`. A refresh (an event, a poll, an upload)
 * re-reads from the top as many items as are loaded, so a new item appears first and an update to
 * any loaded item shows, without the list shrinking back to one page. Operations run one at a
 * time, each on the state the previous one left, so a refresh and a "Load more" never race.
 */

/** The hub's page size when none is asked for, and the most one request may ask (protocol paging.ts). */
export const PAGE_SIZE = 100
export const MAX_PAGE_LIMIT = 500
/** A refresh of a very long list stops after this many requests (50,000 items at the maximum). */
const MAX_REFRESH_PAGES = 100

export interface Page<T> {
  items: T[]
  /** Pass back for the next page; null on the last one. */
  nextCursor: string | null
}

/** Reads one page: after `cursor` (null: from the top), at most `limit` items. */
export type LoadPage<T> = (cursor: string | null, limit: number) => Promise<Page<T>>

/** The signed request the page's hub client makes (StorageApi.request). */
export type HubRequest = <R>(method: string, path: string) => Promise<R>

/** `path?limit=…&cursor=…` for one page of a list. */
export function pagePath(path: string, cursor: string | null, limit: number): string {
  const q = new URLSearchParams({ limit: String(limit) })
  if (cursor !== null) q.set('cursor', cursor)
  return `${path}?${q.toString()}`
}

/** A page loader for one of the hub's lists, which answers `{ [key]: T[], nextCursor }`. */
export function hubPages<T>(hub: { request: HubRequest }, path: string, key: string): LoadPage<T> {
  return async (cursor, limit) => {
    const answer = await hub.request<Record<string, unknown>>('GET', pagePath(path, cursor, limit))
    const next = answer.nextCursor
    return { items: (answer[key] ?? []) as T[], nextCursor: typeof next === 'string' ? next : null }
  }
}

/** `limit` clamped to what the hub accepts. */
function clampLimit(n: number): number {
  return Math.min(MAX_PAGE_LIMIT, Math.max(1, Math.ceil(n)))
}

/** Items of `more` whose key is not among `items`, appended (a defence: keyset pages never repeat). */
export function appendUnique<T>(items: readonly T[], more: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set(items.map(key))
  const out = [...items]
  for (const item of more) {
    const k = key(item)
    if (seen.has(k)) continue
    seen.add(k)
    out.push(item)
  }
  return out
}

/**
 * Reads from the top until at least `want` items, or with `toEnd` to the end of the list (up to a
 * page past `want`): one request when it fits a page, more only past the hub's maximum page or
 * when items were added meanwhile and `toEnd`. Without `toEnd`, items added since the last read
 * come first and push the oldest loaded ones to the next "Load more"; nothing is skipped or repeated.
 */
export async function readTop<T>(load: LoadPage<T>, want: number, key: (item: T) => string, toEnd = false): Promise<Page<T>> {
  let items: T[] = []
  let cursor: string | null = null
  for (let n = 0; n < MAX_REFRESH_PAGES; n++) {
    const page: Page<T> = await load(cursor, clampLimit(items.length < want ? want - items.length : PAGE_SIZE))
    items = appendUnique(items, page.items, key)
    cursor = page.nextCursor
    if (cursor === null || page.items.length === 0 || items.length >= (toEnd ? want + PAGE_SIZE : want)) break
  }
  return { items, nextCursor: cursor }
}

export interface PagedState<T> {
  /** The loaded items in the hub's order; null until the first page arrives. */
  items: T[] | null
  /** Where "Load more" continues; null when everything is loaded (or nothing yet). */
  nextCursor: string | null
  /** The last failure, kept until an operation succeeds; the loaded items stay. */
  error: string | null
  /** What is being fetched now. */
  loading: 'refresh' | 'more' | null
}

export const EMPTY_PAGED: PagedState<never> = Object.freeze({ items: null, nextCursor: null, error: null, loading: null }) as PagedState<never>

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * One paged list: `refresh()` (re-read the loaded extent from the top, or the first page) and
 * `more()` (the next page), queued so each runs on the state the previous left. A request made
 * while the same kind is still waiting its turn joins it. After `close()` nothing changes.
 */
export class PagedList<T> {
  private state: PagedState<T> = EMPTY_PAGED
  private queue: Promise<void> = Promise.resolve()
  private waiting: { refresh: Promise<void> | null; more: Promise<void> | null } = { refresh: null, more: null }
  private readonly listeners = new Set<() => void>()
  private closed = false

  constructor(
    private readonly load: LoadPage<T>,
    private readonly key: (item: T) => string,
    private readonly pageSize = PAGE_SIZE,
  ) {}

  get snapshot(): PagedState<T> {
    return this.state
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  close(): void {
    this.closed = true
    this.listeners.clear()
  }

  /**
   * Re-reads from the top as many items as are loaded (at least one page); when every item was
   * loaded, the whole list again, so items added meanwhile do not push any behind "Load more".
   */
  refresh(): Promise<void> {
    return this.enqueue('refresh', async () => {
      const { items, nextCursor } = this.state
      const want = Math.max(this.pageSize, items?.length ?? 0)
      const page = await readTop(this.load, want, this.key, items !== null && nextCursor === null)
      this.set({ items: page.items, nextCursor: page.nextCursor, error: null })
    })
  }

  /** Appends the next page; nothing when the list is not loaded yet or has no more. */
  more(): Promise<void> {
    return this.enqueue('more', async () => {
      const { items, nextCursor } = this.state
      if (items === null || nextCursor === null) return
      let page: Page<T>
      try {
        page = await this.load(nextCursor, clampLimit(this.pageSize))
      } catch (err) {
        // The hub no longer knows the cursor (a restarted or different hub): read the extent
        // plus one page again from the top instead.
        if ((err as { code?: unknown }).code !== 'INVALID_CURSOR') throw err
        const fresh = await readTop(this.load, items.length + this.pageSize, this.key)
        this.set({ items: fresh.items, nextCursor: fresh.nextCursor, error: null })
        return
      }
      this.set({ items: appendUnique(items, page.items, this.key), nextCursor: page.nextCursor, error: null })
    })
  }

  private enqueue(kind: 'refresh' | 'more', run: () => Promise<void>): Promise<void> {
    const pending = this.waiting[kind]
    if (pending !== null) return pending
    const job = this.queue.then(async () => {
      this.waiting[kind] = null
      if (this.closed) return
      this.set({ loading: kind })
      try {
        await run()
      } catch (err) {
        this.set({ error: message(err) })
      } finally {
        this.set({ loading: null })
      }
    })
    this.waiting[kind] = job
    this.queue = job
    return job
  }

  private set(patch: Partial<PagedState<T>>): void {
    if (this.closed) return
    this.state = { ...this.state, ...patch }
    for (const listener of [...this.listeners]) listener()
  }
}
