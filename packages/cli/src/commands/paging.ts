/** `--limit N` and `--all` for the list commands (`job ls`, `model deployments`, `storage ls`, `nodes`). */
import type { Command } from 'commander'
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, W3aiError, type PageQuery } from '@w3ai/protocol'

export interface ListFlags {
  limit?: number
  all?: boolean
}

export function parseLimit(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1 || n > MAX_PAGE_LIMIT) {
    throw new W3aiError('CLI_BAD_ARGUMENT', `--limit: expected a whole number from 1 to ${MAX_PAGE_LIMIT}, got ${JSON.stringify(value)}.`)
  }
  return n
}

export function withListOptions(cmd: Command): Command {
  return cmd
    .option('--limit <n>', `how many to show (1..${MAX_PAGE_LIMIT}, default ${DEFAULT_PAGE_LIMIT}); with --all, how many to fetch per request`, parseLimit)
    .option('--all', 'every one, fetching page after page')
}

export interface Listed<T> {
  items: T[]
  /** Whether more are left after these (only without --all). */
  more: boolean
}

/** One page (`--limit`), or with `--all` every page, through the SDK's `list` and `all`. */
export async function listWith<T>(
  flags: ListFlags,
  source: { list: (query: PageQuery) => Promise<T[] & { nextCursor: string | null }>; all: (query: PageQuery) => AsyncIterable<T> },
): Promise<Listed<T>> {
  const query: PageQuery = flags.limit === undefined ? {} : { limit: flags.limit }
  if (flags.all === true) {
    const items: T[] = []
    for await (const item of source.all(query)) items.push(item)
    return { items, more: false }
  }
  const page = await source.list(query)
  return { items: [...page], more: page.nextCursor !== null }
}

/**
 * Tells, on stderr (so --json output stays one document), that the list goes on and how to see
 * the rest: `what` names the items ("jobs"), `command` the command line that lists them.
 */
export function moreNote(listed: Listed<unknown>, what: string, command: string): void {
  if (!listed.more) return
  process.stderr.write(`showing the first ${listed.items.length} ${what}; more exist: \`${command} --all\` lists every one (or --limit N, at most ${MAX_PAGE_LIMIT})\n`)
}
