/**
 * Pages of the hub's list endpoints. `list({ limit, cursor })` answers one page: an array of the
 * items that also carries `nextCursor` (pass it as `cursor` for the next page; null on the last).
 * `all()` follows the cursors for you:
 *
 * ```ts
 * for await (const job of client.jobs.all()) console.log(job.id)
 * ```
 */
import type { PageQuery } from '@w3ai/protocol'

/** One page: the items, and the cursor of the next page (null on the last). */
export type ListPage<T> = T[] & { nextCursor: string | null }

/**
 * The items as a page. `nextCursor` is not enumerable, so the page compares, spreads and
 * serializes exactly like the plain array `list()` answered before paging.
 */
export function listPage<T>(items: T[], nextCursor: string | null): ListPage<T> {
  return Object.defineProperty(items, 'nextCursor', { value: nextCursor, enumerable: false, writable: false }) as ListPage<T>
}

/** Every item over all pages from `query.cursor` (or the start), fetched a page at a time as the loop asks. */
export async function* followPages<T>(fetchPage: (query: PageQuery) => Promise<ListPage<T>>, query: PageQuery = {}): AsyncGenerator<T, void, undefined> {
  let cursor = query.cursor
  for (;;) {
    const page = await fetchPage({ ...query, ...(cursor === undefined ? {} : { cursor }) })
    yield* page
    if (page.nextCursor === null) return
    cursor = page.nextCursor
  }
}

/** The query string of a page request (absent fields left out). */
export const pageQuery = (query: PageQuery): Record<string, string | number | undefined> => ({ limit: query.limit, cursor: query.cursor })
