#!/usr/bin/env node
// `npm run bench -- NAME [args]` runs bench/NAME.ts with tsx; without a name it lists them.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const [name, ...rest] = process.argv.slice(2)
const available = readdirSync(here).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3))
if (name === undefined || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME   (one of: ${available.join(', ')})`)
  process.exit(name === undefined ? 0 : 2)
}
const script = join(here, `${name}.ts`)
if (!existsSync(script)) process.exit(2)
const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...rest], { stdio: 'inherit' })
process.exit(r.status ?? 1)
