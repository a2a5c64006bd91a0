import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT_BAD_ARGUMENT, EXIT_FAILURE } from '../src/constants.js'
import type { PartitionSummary } from '../src/commands/dataset.js'
import { parseJson, tempHome, w3aiInProcess, type RunResult } from './helpers.js'

const DIGITS = fileURLToPath(new URL('../../compute/data/digits.csv.gz', import.meta.url))

type Dir = Awaited<ReturnType<typeof tempHome>>

function errorCode(r: RunResult): string | undefined {
  try {
    return parseJson<{ error?: { code: string } }>(r.stdout).error?.code
  } catch {
    return undefined
  }
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '')

describe('w3ai dataset partition', () => {
  let dir: Dir
  beforeAll(async () => {
    dir = await tempHome('w3ai-partition-')
  })
  afterAll(async () => {
    await dir.remove()
  })

  it('splits digits Dirichlet(0.5) over 10 clients: every row in exactly one client file, the summary counting rows and labels', async () => {
    const out = join(dir.path, 'digits')
    const r = await w3aiInProcess(['dataset', 'partition', DIGITS, '--clients', '10', '--dirichlet', '0.5', '--seed', '7', '--out', out, '--json'])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const summary = parseJson<PartitionSummary>(r.stdout)
    expect(summary).toMatchObject({ scheme: 'dirichlet', alpha: 0.5, seed: 7, rows: 1797, header: false, labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] })
    expect(summary.clients).toHaveLength(10)
    expect((await readdir(out)).sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `client-${i}.csv`), 'summary.json'].sort())
    const original = lines(gunzipSync(await readFile(DIGITS)).toString('utf8'))
    const written: string[] = []
    for (const c of summary.clients) {
      const rows = lines(await readFile(join(out, c.file), 'utf8'))
      expect(rows).toHaveLength(c.rows)
      expect(Object.values(c.labels).reduce((a, b) => a + b, 0)).toBe(c.rows)
      expect(c.rows).toBeGreaterThanOrEqual(10)
      for (const row of rows) expect(c.labels[row.split(',').at(-1) as string], row).toBeGreaterThan(0)
      written.push(...rows)
    }
    expect(written.sort()).toEqual(original.sort())
    expect(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'))).toEqual(summary)
    // Label skew: some client holds far more of one digit than an even split would.
    expect(Math.max(...summary.clients.flatMap((c) => Object.values(c.labels)))).toBeGreaterThan(60)
  })

  it('gives the same files for the same seed and other files for another', async () => {
    const run = async (seed: string, name: string) => {
      const r = await w3aiInProcess(['dataset', 'partition', DIGITS, '--clients', '4', '--dirichlet', '1', '--seed', seed, '--out', join(dir.path, name), '--json'])
      expect(r.code, r.stdout).toBe(0)
      return readFile(join(dir.path, name, 'client-0.csv'), 'utf8')
    }
    const a = await run('1', 'a')
    expect(await run('1', 'b')).toBe(a)
    expect(await run('2', 'c')).not.toBe(a)
  })

  it('defaults to IID and prints a table of files, rows and labels', async () => {
    const r = await w3aiInProcess(['dataset', 'partition', DIGITS, '--clients', '3', '--out', join(dir.path, 'iid')])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/1797 rows of .* split IID \(seed 0\) into 3 clients/)
    expect(r.stdout).toMatch(/client-2\.csv\s+599\s+0:/)
  })

  it('copies a header to every client, keeps fields as written and takes the label by name', async () => {
    const file = join(dir.path, 'named.csv')
    const rows = Array.from({ length: 40 }, (_, i) => `${i % 2 === 0 ? 'cat' : '"dog, big"'},${(i * 0.1).toFixed(17)},${i}`)
    await writeFile(file, ['kind,weight,id', ...rows].join('\r\n') + '\r\n')
    const out = join(dir.path, 'named')
    const r = await w3aiInProcess(['dataset', 'partition', file, '--clients', '2', '--dirichlet', '0.3', '--label-column', 'kind', '--out', out, '--json'])
    expect(r.code, r.stdout).toBe(0)
    expect(parseJson<PartitionSummary>(r.stdout)).toMatchObject({ header: true, rows: 40, labels: ['cat', 'dog, big'] })
    const first = lines(await readFile(join(out, 'client-0.csv'), 'utf8'))
    const second = lines(await readFile(join(out, 'client-1.csv'), 'utf8'))
    expect(first[0]).toBe('kind,weight,id')
    expect(second[0]).toBe('kind,weight,id')
    expect([...first.slice(1), ...second.slice(1)].sort()).toEqual(rows.map((r) => r.replace('\r', '')).sort())
  })

  it('takes the label by index, negative from the end', async () => {
    const file = join(dir.path, 'first.csv')
    await writeFile(file, Array.from({ length: 30 }, (_, i) => `${i % 3},${i},${i * 2}`).join('\n'))
    const r = await w3aiInProcess(['dataset', 'partition', file, '--clients', '3', '--label-column', '0', '--out', join(dir.path, 'first'), '--json'])
    expect(parseJson<PartitionSummary>(r.stdout).labels).toEqual(['0', '1', '2'])
    const last = await w3aiInProcess(['dataset', 'partition', file, '--clients', '3', '--label-column', '-3', '--out', join(dir.path, 'first-neg'), '--json'])
    expect(parseJson<PartitionSummary>(last.stdout).labels).toEqual(['0', '1', '2'])
  })

  describe('refuses bad input with a code and a non-zero exit, writing nothing', () => {
    const attempt = (...args: string[]) => w3aiInProcess(['dataset', 'partition', ...args, '--json'])

    it('a missing file (CLI_BAD_ARGUMENT)', async () => {
      const r = await attempt(join(dir.path, 'nope.csv'), '--clients', '3', '--out', join(dir.path, 'x1'))
      expect([r.code, errorCode(r)]).toEqual([EXIT_BAD_ARGUMENT, 'CLI_BAD_ARGUMENT'])
      expect(r.stdout).toMatch(/No file at/)
    })

    it('fewer than two clients, alpha <= 0, or both --iid and --dirichlet (CLI_BAD_ARGUMENT)', async () => {
      for (const args of [
        ['--clients', '1'],
        ['--clients', 'ten'],
        ['--clients', '3', '--dirichlet', '0'],
        ['--clients', '3', '--dirichlet', '-0.5'],
        ['--clients', '3', '--dirichlet', '0.5', '--iid'],
      ]) {
        const r = await attempt(DIGITS, ...args, '--out', join(dir.path, 'x2'))
        expect([r.code, errorCode(r)], args.join(' ')).toEqual([EXIT_BAD_ARGUMENT, 'CLI_BAD_ARGUMENT'])
      }
      await expect(readdir(join(dir.path, 'x2'))).rejects.toThrow()
    })

    it('an output directory that cannot be created (CLI_BAD_ARGUMENT)', async () => {
      const blocker = join(dir.path, 'a-file')
      await writeFile(blocker, 'not a directory')
      const r = await attempt(DIGITS, '--clients', '3', '--out', join(blocker, 'sub'))
      expect([r.code, errorCode(r)]).toEqual([EXIT_BAD_ARGUMENT, 'CLI_BAD_ARGUMENT'])
      expect(r.stdout).toMatch(/cannot be written/)
    })

    it('a malformed CSV (COMPUTE_BAD_DATASET) and too few rows for the clients (FL_BAD_CONFIG)', async () => {
      await mkdir(join(dir.path, 'bad'), { recursive: true })
      const ragged = join(dir.path, 'bad', 'ragged.csv')
      await writeFile(ragged, '1,2,0\n3,4\n5,6,1\n')
      const r = await attempt(ragged, '--clients', '2', '--out', join(dir.path, 'x3'))
      expect([r.code, errorCode(r)]).toEqual([EXIT_FAILURE, 'COMPUTE_BAD_DATASET'])
      const tiny = join(dir.path, 'bad', 'tiny.csv')
      await writeFile(tiny, '1,2,0\n3,4,1\n5,6,1\n')
      const t = await attempt(tiny, '--clients', '5', '--out', join(dir.path, 'x3'))
      expect([t.code, errorCode(t)]).toEqual([EXIT_FAILURE, 'FL_BAD_CONFIG'])
    })
  })
})
