/**
 * Progress of `w3ai ledger verify` on stderr while it downloads the public ledger: how many journal
 * entries, blocks and account pages have come, read off the page requests the SDK makes (each
 * journal or block request asks for the items after the ones it has). A line rewritten in place on
 * a terminal, a plain line now and then elsewhere, nothing with --json or for a ledger of one page.
 */
import { PROGRESS_LINE_MS } from '../constants.js'

export interface LedgerProgress {
  /** A fetch for the hub client that reports the ledger pages it requests. */
  fetch: typeof fetch
  /** Ends the progress line; call it on success and on failure. */
  done: () => void
}

interface Counts {
  entries: number
  blocks: number
  accountPages: number
}

const describe = (c: Counts): string => `downloading the ledger: ${c.entries} journal entries, ${c.blocks} blocks, ${c.accountPages} account pages`

export function ledgerProgress(options: { quiet: boolean; stream?: NodeJS.WriteStream; fetch?: typeof fetch; now?: () => number }): LedgerProgress {
  const stream = options.stream ?? process.stderr
  const inner = options.fetch ?? globalThis.fetch
  const now = options.now ?? Date.now
  const counts: Counts = { entries: 0, blocks: 0, accountPages: 0 }
  const tty = stream.isTTY === true
  let shown = false
  let lastLine = -Infinity

  const report = (): void => {
    // One page is quick: only a download that goes on to a second page is worth a line.
    if (options.quiet || (counts.entries === 0 && counts.blocks === 0 && counts.accountPages === 0)) return
    if (tty) {
      stream.write(`\r\x1b[2K${describe(counts)}`)
      shown = true
    } else if (now() - lastLine >= PROGRESS_LINE_MS) {
      lastLine = now()
      stream.write(describe(counts) + '\n')
    }
  }

  const observe = (url: URL): void => {
    const after = Number(url.searchParams.get('after') ?? 0)
    if (url.pathname.endsWith('/v1/ledger/journal')) counts.entries = after
    else if (url.pathname.endsWith('/v1/ledger/blocks')) counts.blocks = after
    else if (url.pathname.endsWith('/v1/ledger/accounts') && url.searchParams.has('cursor')) counts.accountPages++
    else return
    report()
  }

  return {
    fetch: (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      observe(new URL(url))
      return inner(input, init)
    },
    done: () => {
      if (shown) stream.write('\n')
      shown = false
    },
  }
}
