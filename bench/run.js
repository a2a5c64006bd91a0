#!/usr/bin/env node
// `npm run bench -- NAME [args]` runs bench/NAME.ts with tsx; without a name it lists them.
// `npm run bench -- all` runs every benchmark of bench/plan.json one after another (each with the
// arguments the plan gives it, sized so the whole run fits in 20 minutes on a 2-core machine),
// records how long each took in bench/results/all.json, and renders bench/results/README.md
// with its charts from the results. `npm run bench -- render` renders again without running.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const [name, ...rest] = process.argv.slice(2)
const available = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.startsWith('_')).map((f) => f.slice(0, -3))

function runScript(script, args) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, script), ...args], { stdio: 'inherit' })
  return r.status ?? 1
}

if (name === 'render') process.exit(runScript('lib/render.ts', rest))

if (name === 'all') {
  // The PostgreSQL runs (ledger, market-search, scale) use W3AI_TEST_DATABASE_URL; like .ci/run,
  // `all` defaults it to this machine's server so the whole table comes from one run.
  process.env.W3AI_TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test'
  const plan = JSON.parse(readFileSync(join(here, 'plan.json'), 'utf8'))
  const only = rest.length > 0 ? new Set(rest) : undefined
  const runs = []
  const began = Date.now()
  for (const step of plan.benchmarks) {
    if (only !== undefined && !only.has(step.name)) continue
    const missing = (step.needs ?? []).filter((p) => !existsSync(p))
    if (missing.length > 0) {
      console.log(`\n=== ${step.name}: skipped (needs ${missing.join(', ')})`)
      runs.push({ name: step.name, args: step.args, status: 'skipped', reason: `needs ${missing.join(', ')}` })
      continue
    }
    console.log(`\n=== ${step.name} ${step.args.join(' ')}`)
    const t0 = Date.now()
    const load = loadavg()[0]
    const code = runScript(`${step.name}.ts`, step.args)
    const seconds = (Date.now() - t0) / 1000
    console.log(`=== ${step.name}: ${code === 0 ? 'done' : `failed (exit ${code})`} in ${seconds.toFixed(0)} s`)
    runs.push({ name: step.name, args: step.args, status: code === 0 ? 'done' : 'failed', exitCode: code, seconds: Math.round(seconds), loadAverageAtStart: Number(load.toFixed(2)) })
  }
  const totalSeconds = Math.round((Date.now() - began) / 1000)
  const previous = existsSync(join(here, 'results', 'all.json')) ? JSON.parse(readFileSync(join(here, 'results', 'all.json'), 'utf8')) : { runs: [] }
  // A partial run (`all NAME…`) keeps the other benchmarks' last records.
  const merged = only === undefined ? runs : [...previous.runs.filter((r) => !only.has(r.name)), ...runs]
  writeFileSync(join(here, 'results', 'all.json'), JSON.stringify({ totalSeconds: only === undefined ? totalSeconds : previous.totalSeconds, lastRunSeconds: totalSeconds, runs: merged, measuredAt: new Date().toISOString() }, null, 2) + '\n')
  console.log(`\n=== all: ${runs.filter((r) => r.status === 'done').length} done, ${runs.filter((r) => r.status === 'failed').length} failed, ${runs.filter((r) => r.status === 'skipped').length} skipped in ${(totalSeconds / 60).toFixed(1)} min`)
  const rendered = runScript('lib/render.ts', [])
  process.exit(runs.some((r) => r.status === 'failed') ? 1 : rendered)
}

if (name === undefined || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [args]   (NAME: all, render, ${available.join(', ')})`)
  process.exit(name === undefined ? 0 : 2)
}
process.exit(runScript(`${name}.ts`, rest))
