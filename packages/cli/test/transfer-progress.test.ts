import { describe, expect, it } from 'vitest'
import { transferReporter } from '../src/transfer-progress.js'
import { formatBytes } from '../src/output.js'

/** A stand-in for stderr that records lines; not a terminal. */
function fakeStream(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = []
  const stream = { isTTY: false, write: (s: string) => lines.push(s) > 0 } as unknown as NodeJS.WriteStream
  return { stream, lines }
}

describe('transfer progress without a terminal', () => {
  it('prints the start, at most one line per interval, and the end', () => {
    const { stream, lines } = fakeStream()
    let t = 0
    const r = transferReporter({ quiet: false, stream, now: () => t })
    for (let bytes = 0; bytes <= 10 * 1024 * 1024; bytes += 1024 * 1024) {
      r.onProgress({ phase: 'upload', bytes, total: 10 * 1024 * 1024 })
      t += 500
    }
    r.done()
    expect(lines).toEqual([
      'uploading 0 B/10 MiB (0%)\n',
      'uploading 4 MiB/10 MiB (40%)\n',
      'uploading 8 MiB/10 MiB (80%)\n',
      'uploading 10 MiB/10 MiB (100%)\n',
    ])
  })

  it('counts blocks for an export and says 100% for an empty object', () => {
    const { stream, lines } = fakeStream()
    transferReporter({ quiet: false, stream, unit: 'blocks' }).onProgress({ phase: 'export', bytes: 3, total: 3 })
    transferReporter({ quiet: false, stream }).onProgress({ phase: 'download', bytes: 0, total: 0 })
    expect(lines).toEqual(['exporting 3 blocks/3 blocks (100%)\n', 'downloading 0 B/0 B (100%)\n'])
  })

  it('prints nothing when quiet (--json)', () => {
    const { stream, lines } = fakeStream()
    const r = transferReporter({ quiet: true, stream })
    r.onProgress({ phase: 'upload', bytes: 1, total: 1 })
    r.done()
    expect(lines).toEqual([])
  })
})

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [1024 * 1024 - 1, '1024 KiB'],
    [100 * 1024 * 1024, '100 MiB'],
  ])('%d → %s', (n, text) => expect(formatBytes(n)).toBe(text))
})
