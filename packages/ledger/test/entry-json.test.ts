import { canonicalJson } from '@w3ai/crypto'
import { seededRandom } from '@w3ai/util'
import { describe, expect, it } from 'vitest'
import { entryJson } from '../src/journal.js'
import { entryHash, type JournalEntry } from '../src/index.js'

const base: Omit<JournalEntry, 'hash'> = {
  seq: 7,
  transferId: 'tx_1',
  kind: 'transfer',
  action: 'transfer',
  debit: 'user:a_1',
  credit: 'user:a_2',
  amount: '1000000000000000000',
  pending: false,
  pendingId: null,
  memo: null,
  at: '2030-01-01T00:00:00.000Z',
  prev: '0'.repeat(64),
}

/** Strings a memo or an id might hold: quotes, backslashes, controls, non-ASCII, pairs of surrogates. */
const ODD = ['', 'plain', 'a "quoted" \\ word', 'tab\there\nnewline\r\u0000\u001f\u007f', 'café ünïcödé', '日本語', '🙂 emoji', '\u2028\u2029', '</script>', 'x'.repeat(200)]

/**
 * Entry hashes are computed without the general canonicalizer (the engine hashes every entry, the
 * verifier every entry of a download), so the shortcut must be canonicalJson byte for byte:
 * otherwise stored ledgers would stop verifying.
 */
describe('entryJson', () => {
  it('is canonicalJson of the entry body, byte for byte, for every value an entry may hold', () => {
    const random = seededRandom(11)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T
    for (let i = 0; i < 2000; i++) {
      const body = {
        ...base,
        seq: pick([1, 7, 2 ** 31, Number.MAX_SAFE_INTEGER, Math.floor(random() * 1e12)]),
        transferId: pick(ODD),
        memo: pick([null, ...ODD]),
        pendingId: pick([null, 'p_1', ...ODD]),
        pending: random() < 0.5,
        amount: String(Math.floor(random() * 1e15)),
        prev: pick(['0'.repeat(64), 'ab'.repeat(32)]),
      }
      expect(entryJson(body)).toBe(canonicalJson(body))
    }
  })

  it('falls back to canonicalJson for any other shape: extra, missing or undefined fields, objects, odd numbers', () => {
    const shapes: Array<Record<string, unknown>> = [
      { ...base, extra: 'field' },
      { ...base, memo: undefined },
      (({ memo: _memo, ...rest }) => rest)(base),
      { ...base, amount: { units: 5 } },
      { ...base, seq: 1e21 },
      { ...base, seq: -0 },
      { ...base, seq: 0.1 },
      { ...base, pendingId: ['p'] },
    ]
    for (const body of shapes) expect(entryJson(body)).toBe(canonicalJson(body))
  })

  it('refuses what canonicalJson refuses (a lone surrogate, NaN), so such an entry never gets a hash', () => {
    for (const body of [{ ...base, memo: 'broken \ud800 pair' }, { ...base, seq: Number.NaN }]) {
      expect(() => canonicalJson(body)).toThrow()
      expect(() => entryJson(body)).toThrow()
    }
  })

  it('gives entryHash its documented value: sha256 hex of prev ‖ canonicalJson(entry without hash)', async () => {
    const { createHash } = await import('node:crypto')
    const entry = { ...base, memo: 'x "y" 🙂', hash: 'ignored' }
    const { hash: _hash, ...body } = entry
    expect(entryHash(entry)).toBe(createHash('sha256').update(entry.prev + canonicalJson(body)).digest('hex'))
  })
})
