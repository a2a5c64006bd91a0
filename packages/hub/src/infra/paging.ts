/**
 * Keyset paging for the list endpoints. A cursor is base64url of a small JSON array: the list's
 * name and the position of the last item given out (for newest-first lists its creation time, to
 * the microsecond, and its id). The next page starts strictly after that position, so items
 * inserted meanwhile never shift the pages (unlike OFFSET): nothing is repeated or skipped. A
 * cursor that does not decode, belongs to another list or holds a malformed position is
 * INVALID_CURSOR.
 */
import { DEFAULT_PAGE_LIMIT, W3aiError } from '@w3ai/protocol'

export interface PageRequest {
  limit?: number
  cursor?: string
}

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

const MAX_CURSOR_CHARS = 512
/** A timestamptz as `to_char(... AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` writes it. */
const MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/

/** SQL for a column's keyset time: UTC with microseconds, so the position survives the round trip exactly. */
export const keysetTime = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

export function encodeCursor(list: string, position: readonly string[]): string {
  return Buffer.from(JSON.stringify([list, ...position])).toString('base64url')
}

/** The position a cursor marks, checked against the list and one pattern per field. */
export function decodeCursor(list: string, cursor: string, fields: readonly RegExp[]): string[] {
  const bad = (): W3aiError => new W3aiError('INVALID_CURSOR')
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad()
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw bad()
  }
  if (!Array.isArray(parsed) || parsed.length !== fields.length + 1 || parsed[0] !== list) throw bad()
  const position = parsed.slice(1)
  if (!position.every((v, i) => typeof v === 'string' && (fields[i] as RegExp).test(v))) throw bad()
  return position as string[]
}

/**
 * A newest-first list over (created_at, id): `where` is the predicate for rows after the cursor
 * (none without one), `order` the matching ORDER BY, `page` cuts the rows fetched with LIMIT
 * `limit + 1` into a page and its next cursor. Rows carry `cursor_at` (select `keysetTime(...)`).
 */
export class NewestFirst {
  constructor(
    readonly list: string,
    private readonly idPattern: RegExp,
  ) {}

  limit(request: PageRequest): number {
    return request.limit ?? DEFAULT_PAGE_LIMIT
  }

  /** `(at, id) < (cursor)` with the parameters pushed onto `params`, or undefined without a cursor. */
  where(request: PageRequest, params: unknown[], at: string, id: string): string | undefined {
    if (request.cursor === undefined) return undefined
    const [t, key] = decodeCursor(this.list, request.cursor, [MICROS, this.idPattern]) as [string, string]
    const pt = params.push(t)
    const pk = params.push(key)
    // The first conjunct lets the (owner, created_at DESC) index bound the scan.
    return `${at} <= $${pt}::timestamptz AND (${at}, ${id}) < ($${pt}::timestamptz, $${pk})`
  }

  order(at: string, id: string): string {
    return `ORDER BY ${at} DESC, ${id} DESC`
  }

  page<R extends { cursor_at: string }, T>(rows: R[], request: PageRequest, key: (row: R) => string, map: (row: R) => T): Page<T> {
    const limit = this.limit(request)
    const kept = rows.slice(0, limit)
    const last = kept.at(-1)
    return { items: kept.map(map), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(this.list, [last.cursor_at, key(last)]) : null }
  }
}
