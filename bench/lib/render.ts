/**
 * Renders bench/results/README.md from the JSON the benchmarks wrote: per benchmark its headline
 * figures against the same-run baseline and the target, when it ran and how long `bench -- all`
 * took over it, and a bar chart (bench/results/charts/NAME.svg) of each figure beside its baseline.
 *
 *   npm run bench -- render
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { headlines, judged, targetMet, type Headline } from './headlines.js'
import { formatNumber, RESULTS_DIR } from './report.js'

interface AllRun {
  name: string
  args: string[]
  status: 'done' | 'failed' | 'skipped'
  seconds?: number
  reason?: string
}

const CHART_DIR = join(RESULTS_DIR, 'charts')
const OURS = '#2b6cb0'
const BASE = '#a0aec0'
const MISSED = '#c53030'

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function fmt(n: number): string {
  if (Math.abs(n) >= 100 || Number.isInteger(n)) return formatNumber(Math.round(n))
  if (Math.abs(n) >= 1) return n.toFixed(2)
  return n.toPrecision(3)
}

/** One row per headline: its bar and its baseline's, scaled to the larger of the two (and the target). */
export function chart(title: string, rows: Headline[]): string {
  const width = 760
  const label = 300
  const barMax = width - label - 110
  const rowH = 44
  const top = 34
  const height = top + rows.length * rowH + 10
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
    `<text x="${width - 8}" y="20" text-anchor="end" fill="#4a5568"><tspan fill="${OURS}">■</tspan> w3ai  <tspan fill="${BASE}">■</tspan> baseline (same run)  <tspan fill="#2f855a">|</tspan> target</text>`,
  ]
  rows.forEach((r, i) => {
    const y = top + i * rowH
    const targetValue = r.target === undefined ? undefined : r.target.on === 'value' ? r.target.value : r.baseline === undefined ? undefined : r.target.value * r.baseline.value
    const scale = Math.max(r.value, r.baseline?.value ?? 0, targetValue ?? 0) || 1
    const w = (v: number): number => Math.max(1, (v / scale) * barMax)
    const met = targetMet(r)
    parts.push(`<text x="8" y="${y + 15}">${escape(r.metric)}</text>`, `<text x="8" y="${y + 30}" fill="#718096">${escape(r.unit)}, ${r.better} is better</text>`)
    parts.push(`<rect x="${label}" y="${y + 4}" width="${w(r.value).toFixed(1)}" height="14" fill="${met === false ? MISSED : OURS}"/>`, `<text x="${label + w(r.value) + 4}" y="${y + 15}">${fmt(r.value)}</text>`)
    if (r.baseline !== undefined) parts.push(`<rect x="${label}" y="${y + 21}" width="${w(r.baseline.value).toFixed(1)}" height="14" fill="${BASE}"/>`, `<text x="${label + w(r.baseline.value) + 4}" y="${y + 32}" fill="#4a5568">${fmt(r.baseline.value)} ${escape(r.baseline.name)}</text>`)
    if (targetValue !== undefined) parts.push(`<line x1="${(label + w(targetValue)).toFixed(1)}" x2="${(label + w(targetValue)).toFixed(1)}" y1="${y + 1}" y2="${y + 38}" stroke="#2f855a" stroke-width="2"/>`)
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}

function targetText(r: Headline): string {
  if (r.target === undefined) return ''
  const v = judged(r)
  const what = r.target.on === 'ratio' ? `${r.target.op} ${r.target.value}× baseline` : `${r.target.op} ${fmt(r.target.value)}`
  const met = targetMet(r)
  return `${what}: ${met === undefined ? 'n/a' : met ? 'met' : 'missed'}${r.target.on === 'ratio' && v !== undefined ? ` (${v.toFixed(2)}×)` : ''}`
}

export async function render(): Promise<string> {
  const all = readJson(join(RESULTS_DIR, 'all.json')) as { totalSeconds?: number; runs?: AllRun[]; measuredAt?: string } | undefined
  const runs = new Map((all?.runs ?? []).map((r) => [r.name, r]))
  const names = readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith('.json') && f !== 'all.json')
    .map((f) => f.slice(0, -5))
    .sort()
  await mkdir(CHART_DIR, { recursive: true })
  const lines: string[] = [
    '# Benchmark results',
    '',
    'Rendered by `npm run bench -- render` (and at the end of `npm run bench -- all`) from the JSON each benchmark wrote in this folder. Every figure is compared with a baseline measured in the same run; targets are the ones the issues set. Machine: 2 cores, shared; each JSON records its own load where the benchmark reads it.',
    '',
  ]
  if (all?.runs !== undefined) {
    lines.push(`## \`npm run bench -- all\``, '', `Last whole run: ${all.totalSeconds !== undefined ? `${(all.totalSeconds / 60).toFixed(1)} minutes` : 'n/a'} (${all.measuredAt ?? ''}).`, '', '| benchmark | arguments | status | seconds |', '|---|---|---|---|')
    for (const r of all.runs) lines.push(`| ${r.name} | \`${r.args.join(' ') || '(defaults)'}\` | ${r.status}${r.reason !== undefined ? ` (${r.reason})` : ''} | ${r.seconds ?? ''} |`)
    lines.push('')
  }
  const summary: string[] = ['## Targets', '', '| benchmark | figure | value | baseline (same run) | target |', '|---|---|---|---|---|']
  const sections: string[] = []
  for (const name of names) {
    const result = readJson(join(RESULTS_DIR, `${name}.json`))
    if (result === undefined) continue
    const rows = headlines(name, result)
    if (rows.length === 0) continue
    const when = typeof result.measuredAt === 'string' ? result.measuredAt : ''
    const svg = `charts/${name}.svg`
    await writeFile(join(RESULTS_DIR, svg), chart(name, rows))
    const run = runs.get(name)
    sections.push(`## ${name}`, '', `Measured ${when}${run?.seconds !== undefined ? `; ${run.seconds} s in the last \`all\` run` : ''}. Data: [${name}.json](${name}.json).`, '', `![${name}](${svg})`, '', '| figure | value | baseline (same run) | target |', '|---|---|---|---|')
    for (const r of rows) {
      const row = `${escape(r.metric)} | ${fmt(r.value)} ${r.unit} | ${r.baseline === undefined ? '' : `${fmt(r.baseline.value)} (${r.baseline.name})`} | ${targetText(r)}`
      sections.push(`| ${row} |`)
      if (r.target !== undefined) summary.push(`| ${name} | ${row} |`)
    }
    sections.push('')
  }
  lines.push(...summary, '', ...sections)
  const path = join(RESULTS_DIR, 'README.md')
  await writeFile(path, lines.join('\n'))
  return path
}

if (existsSync(RESULTS_DIR)) console.log(`wrote ${await render()}`)
