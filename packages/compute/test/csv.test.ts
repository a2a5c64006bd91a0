import { describe, expect, it } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import { parseCsv } from '../src/train/csv.js'

const csv = (text: string) => new TextEncoder().encode(text)
function failure(fn: () => unknown): W3aiError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(W3aiError)
    return err as W3aiError
  }
  throw new Error('expected a failure')
}

describe('CSV parsing (RFC 4180 through csv-parse)', () => {
  it('reads quoted labels holding the delimiter, quotes and line breaks', () => {
    const d = parseCsv(csv('x,y,label\n1,2,"Smith, J."\n3,4,"say ""hi"""\n5,6,"two\nlines"\n7,8,"Smith, J."\n'))
    expect(d.count).toBe(4)
    expect(d.classes).toEqual(['Smith, J.', 'say "hi"', 'two\nlines'])
    expect(Array.from(d.labels)).toEqual([0, 1, 2, 0])
    expect(Array.from(d.features)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('reads quoted numbers and skips a byte-order mark and blank lines', () => {
    const d = parseCsv(csv('\uFEFFa,b,c\n"1.5", 2 ,0\n\n3,4,1\n'))
    expect(d.count).toBe(2)
    expect(Array.from(d.features)).toEqual([1.5, 2, 3, 4])
  })

  it('refuses an unclosed quote with COMPUTE_BAD_DATASET', () => {
    const err = failure(() => parseCsv(csv('a,b,c\n1,2,"open\n3,4,5\n')))
    expect(err.code).toBe('COMPUTE_BAD_DATASET')
    expect(err.message).toMatch(/quote/i)
  })

  it('names the line of a row with the wrong number of fields, counting blank and multi-line rows', () => {
    const err = failure(() => parseCsv(csv('a,b,c\n1,2,"x\ny"\n\n3,4\n')))
    expect(err.code).toBe('COMPUTE_BAD_DATASET')
    expect(err.message).toContain('row 5 has 2 fields, expected 3')
  })
})
