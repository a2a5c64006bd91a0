/** Benchmark output: an aligned table on stdout and a JSON file under bench/results/. */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results')

export function printTable(title: string, header: string[], rows: Array<Array<string | number>>): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))]
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)))
  const line = (r: Array<string | number>): string => r.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join('  ')
  console.log(`\n${title}`)
  console.log(line(cells[0]!))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const r of cells.slice(1)) console.log(line(r))
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US')
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)
}

export async function writeResult(name: string, data: Record<string, unknown>): Promise<string> {
  const path = join(RESULTS_DIR, `${name}.json`)
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, JSON.stringify({ ...data, measuredAt: new Date().toISOString() }, null, 2) + '\n')
  return path
}

/** Runs `worker` with `concurrency` parallel loops until `count` items are done; returns items/s. */
export async function runConcurrent(count: number, concurrency: number, worker: (i: number) => Promise<void>): Promise<{ perSec: number; ms: number }> {
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (;;) {
        const i = next++
        if (i >= count) return
        await worker(i)
      }
    }),
  )
  const ms = performance.now() - t0
  return { perSec: (count / ms) * 1000, ms }
}
