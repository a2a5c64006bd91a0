import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseJson, tempHome, w3aiInProcess } from './helpers.js'

describe('w3ai node dataset add|ls|rm', () => {
  let home: { path: string; remove: () => Promise<void> }
  beforeEach(async () => {
    home = await tempHome()
    await writeFile(join(home.path, 'a.csv'), 'f1,f2,label\n1,2,cat\n3,4,dog\n5,6,cat\n')
  })
  afterEach(async () => home.remove())

  const node = (): string => join(home.path, 'node')

  it('registers a file without uploading it and lists it', async () => {
    const added = await w3aiInProcess(['node', 'dataset', 'add', 'pets', '--path', join(home.path, 'a.csv'), '--home', node(), '--json'])
    expect(added.code, added.stdout + added.stderr).toBe(0)
    expect(parseJson<Record<string, unknown>>(added.stdout)).toMatchObject({ name: 'pets', format: 'csv', rows: 3, schema: { features: 2, classes: ['cat', 'dog'] }, home: node() })
    const listed = await w3aiInProcess(['node', 'dataset', 'ls', '--home', node(), '--json'])
    expect(parseJson<{ datasets: Array<{ name: string; path: string }> }>(listed.stdout).datasets).toEqual([expect.objectContaining({ name: 'pets', path: join(home.path, 'a.csv') })])
    const human = await w3aiInProcess(['node', 'dataset', 'ls', '--home', node()])
    expect(human.stdout).toMatch(/pets\s+csv\s+3\s+2/)
  })

  it('defaults to <W3AI_HOME>/node, like `w3ai node start`', async () => {
    const before = process.env.W3AI_HOME
    process.env.W3AI_HOME = home.path
    try {
      expect((await w3aiInProcess(['node', 'dataset', 'add', 'pets', '--path', join(home.path, 'a.csv')])).code).toBe(0)
      const listed = await w3aiInProcess(['node', 'dataset', 'ls', '--home', node(), '--json'])
      expect(parseJson<{ datasets: unknown[] }>(listed.stdout).datasets).toHaveLength(1)
    } finally {
      if (before === undefined) delete process.env.W3AI_HOME
      else process.env.W3AI_HOME = before
    }
  })

  it('removes a dataset and says which', async () => {
    await w3aiInProcess(['node', 'dataset', 'add', 'pets', '--path', join(home.path, 'a.csv'), '--home', node()])
    const removed = await w3aiInProcess(['node', 'dataset', 'rm', 'pets', '--home', node(), '--json'])
    expect(parseJson(removed.stdout)).toEqual({ removed: 'pets' })
    const again = await w3aiInProcess(['node', 'dataset', 'rm', 'pets', '--home', node(), '--json'])
    expect([again.code, parseJson<{ error: { code: string } }>(again.stdout).error.code]).toEqual([1, 'FL_DATASET_NOT_FOUND'])
  })

  it.each([
    [['bad name', '--path', 'a.csv'], 'CLI_BAD_ARGUMENT'],
    [['x', '--path', 'a.csv', '--format', 'parquet'], 'CLI_BAD_ARGUMENT'],
    [['x', '--path', 'images-idx3-ubyte'], 'CLI_BAD_ARGUMENT'],
    [['x', '--path', 'a.csv', '--labels', 'l'], 'CLI_BAD_ARGUMENT'],
    [['x', '--path', 'missing.csv'], 'FL_DATASET_FILE'],
    [['x'], 'CLI_BAD_ARGUMENT'],
  ])('refuses add %j with %s', async (args, code) => {
    const withPaths = args.map((a, i) => (args[i - 1] === '--path' || args[i - 1] === '--labels' ? join(home.path, a) : a))
    const r = await w3aiInProcess(['node', 'dataset', 'add', ...withPaths, '--home', node(), '--json'])
    expect(r.code).not.toBe(0)
    expect(parseJson<{ error: { code: string } }>(r.stdout).error.code).toBe(code)
  })
})
