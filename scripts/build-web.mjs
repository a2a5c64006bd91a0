#!/usr/bin/env node
// Builds the dashboard (packages/web, Vite) into packages/web/dist, which the hub serves at `/`;
// skipped while that build is newer than the dashboard's files and the workspace sources it
// imports (scripts/fresh.mjs).
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { build } from 'vite'
import { root, skipIfFresh, workspaceSources } from './fresh.mjs'

const web = join(root, 'packages', 'web')
const stamp = join(web, 'dist', '.built')
skipIfFresh('dashboard', stamp, [...workspaceSources(['cli', 'hub', 'node']), ...['index.html', 'vite.config.ts', 'package.json'].map((f) => join(web, f))])
await build({ root: web, configFile: join(web, 'vite.config.ts'), logLevel: 'warn' })
await writeFile(stamp, new Date().toISOString() + '\n')
console.log(`dashboard built into ${join(web, 'dist')}`)
