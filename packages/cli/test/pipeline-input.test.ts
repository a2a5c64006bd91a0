import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { W3aiError } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonRows, parseCsvRows, readRows } from '../src/commands/pipeline-input.js'
import { tempHome } from './helpers.js'

/** The error's code and message, or undefined when `f` does not throw. */
function refusal(f: () => unknown): { code: string; message: string } | undefined {
  try {
    f()
    return undefined
  } catch (err) {
    if (!(err instanceof W3aiError)) throw err
    return { code: err.code, message: err.message }
  }
}

describe('pipeline --input rows', () => {
  it('reads CSV rows of numbers, with or without a header row', () => {
    expect(parseCsvRows('1,2.5,-3\n4,5e-1,6\n', 'x.csv')).toEqual([
      [1, 2.5, -3],
      [4, 0.5, 6],
    ])
    expect(parseCsvRows('\uFEFFage,income\n30, 1000\n\n41,2000\n', 'x.csv')).toEqual([
      [30, 1000],
      [41, 2000],
    ])
  })

  it('refuses a word among the numbers, naming its line in the file', () => {
    const r = refusal(() => parseCsvRows('a,b\n1,2\n\n3,four\n', 'data.csv'))
    expect(r?.code).toBe('CLI_BAD_ARGUMENT')
    expect(r?.message).toContain('data.csv line 4, column 2: "four" is not a number')
    expect(refusal(() => parseCsvRows('1,2\nx,3\n', 'data.csv'))?.message).toContain('line 2, column 1')
    // A first row of numbers and a word is a row with a typo, not a header.
    expect(refusal(() => parseCsvRows('1,x\n3,4\n', 'data.csv'))?.message).toContain('line 1, column 2')
  })

  it('refuses rows of different widths, empty files and files with a header only', () => {
    expect(refusal(() => parseCsvRows('1,2\n3\n', 'd.csv'))?.message).toContain('d.csv line 2 has 1 features, expected 2')
    expect(refusal(() => parseCsvRows('', 'd.csv'))?.message).toContain('there are no rows')
    expect(refusal(() => parseCsvRows('a,b\n', 'd.csv'))?.message).toContain('there are no rows')
  })

  it('reads a JSON array of arrays of numbers, and refuses anything else', () => {
    expect(jsonRows([[1, 2], [3, 4]], 'r.json')).toEqual([[1, 2], [3, 4]])
    expect(refusal(() => jsonRows({ rows: [] }, 'r.json'))?.message).toContain('must hold a JSON array of rows')
    expect(refusal(() => jsonRows([[1, 2], 3], 'r.json'))?.message).toContain('row 1 must be an array')
    expect(refusal(() => jsonRows([[1, '2']], 'r.json'))?.message).toContain('row 0, feature 1: "2" is not a finite number')
    expect(refusal(() => jsonRows([[1, 2], [3]], 'r.json'))?.message).toContain('r.json row 1 has 1 features, expected 2')
    expect(refusal(() => jsonRows([[]], 'r.json'))?.message).toContain('has no features')
  })

  describe('files', () => {
    let home: Awaited<ReturnType<typeof tempHome>>
    beforeAll(async () => {
      home = await tempHome()
    })
    afterAll(async () => home.remove())

    it('reads .json files as JSON and other files as CSV; a missing or broken file is CLI_BAD_ARGUMENT', async () => {
      await writeFile(join(home.path, 'rows.json'), '[[1, 2]]')
      await writeFile(join(home.path, 'rows.txt'), '1,2\n')
      await writeFile(join(home.path, 'broken.json'), '[[1, ')
      expect(await readRows(join(home.path, 'rows.json'))).toEqual([[1, 2]])
      expect(await readRows(join(home.path, 'rows.txt'))).toEqual([[1, 2]])
      await expect(readRows(join(home.path, 'missing.csv'))).rejects.toMatchObject({ code: 'CLI_BAD_ARGUMENT', message: expect.stringContaining('no file at') })
      await expect(readRows(join(home.path, 'broken.json'))).rejects.toMatchObject({ code: 'CLI_BAD_ARGUMENT', message: expect.stringContaining('not valid JSON') })
    })
  })
})
