/** `w3ai ledger verify`'s download progress on stderr, read off the page requests the SDK makes. */
import { describe, expect, it } from 'vitest'
import { ledgerProgress } from '../src/commands/ledger-progress.js'

/** A stderr stand-in that keeps what is written. */
function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write: (chunk: string) => ((s.text += chunk), true) }
  return s as unknown as NodeJS.WriteStream & { text: string }
}

const ok = (() => Promise.resolve(new Response('{}'))) as typeof fetch
const HUB = 'http://127.0.0.1:7420'

async function download(p: ReturnType<typeof ledgerProgress>): Promise<void> {
  for (const path of ['/v1/health', '/v1/ledger/journal?after=0&limit=1000', '/v1/ledger/journal?after=1000&limit=1000', '/v1/ledger/journal?after=2000&limit=1000', '/v1/ledger/blocks?after=0&limit=1000', '/v1/ledger/blocks?after=1000&limit=1000', '/v1/ledger/accounts?limit=1000', '/v1/ledger/accounts?limit=1000&cursor=abc']) {
    await p.fetch(HUB + path)
  }
  p.done()
}

describe('ledger verify progress', () => {
  it('prints how far each part of the download is, once it goes past a first page', async () => {
    let now = 0
    const out = stream(false)
    const p = ledgerProgress({ quiet: false, stream: out, fetch: ok, now: () => (now += 5000) })
    await download(p)
    const lines = out.text.trim().split('\n')
    expect(lines[0]).toBe('downloading the ledger: 1000 journal entries, 0 blocks, 0 account pages')
    expect(lines.at(-1)).toBe('downloading the ledger: 2000 journal entries, 1000 blocks, 1 account pages')
  })

  it('rewrites one line on a terminal and ends it', async () => {
    const out = stream(true)
    await download(ledgerProgress({ quiet: false, stream: out, fetch: ok }))
    expect(out.text.startsWith('\r\x1b[2Kdownloading the ledger: 1000 journal entries')).toBe(true)
    expect(out.text.endsWith('1 account pages\n')).toBe(true)
    expect(out.text.split('\n').length).toBe(2)
  })

  it('prints nothing with --json or for a ledger of one page each', async () => {
    const quiet = stream(true)
    await download(ledgerProgress({ quiet: true, stream: quiet, fetch: ok }))
    expect(quiet.text).toBe('')
    const small = stream(false)
    const p = ledgerProgress({ quiet: false, stream: small, fetch: ok })
    for (const path of ['/v1/ledger/journal?after=0', '/v1/ledger/blocks?after=0', '/v1/ledger/accounts?limit=1000']) await p.fetch(HUB + path)
    p.done()
    expect(small.text).toBe('')
  })
})
