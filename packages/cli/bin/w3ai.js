#!/usr/bin/env node
// Runs the `w3ai` command. From the bundle `npm run build:cli` makes (packages/cli/dist) while it
// is newer than every workspace source, else from the TypeScript sources through tsx, so an edit
// is never run from old code and the repo needs no build step. The bundle starts a command with
// about a third of the CPU time (no loader thread transforming some 600 modules one by one).
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const packages = fileURLToPath(new URL('../../', import.meta.url))
const dist = new URL('../dist/', import.meta.url)
const stamp = fileURLToPath(new URL('.built', dist))

function newestMtime(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

function bundleIsFresh() {
  if (process.env.W3AI_CLI_FROM_SOURCES === '1' || !existsSync(stamp)) return false
  const built = statSync(stamp).mtimeMs
  for (const pkg of readdirSync(packages)) {
    // The dashboard is built apart (packages/web/dist) and never part of the command.
    if (pkg === 'web') continue
    const src = join(packages, pkg, 'src')
    if (existsSync(src) && newestMtime(src) > built) return false
  }
  return true
}

let main
if (bundleIsFresh()) {
  ;({ main } = await import(new URL('main.js', dist).href))
} else {
  const { register } = await import('tsx/esm/api')
  register()
  ;({ main } = await import('../src/main.ts'))
}
process.exitCode = await main(process.argv.slice(2))
// A long-running command has stopped by now; a stray handle (a socket, a timer) must not keep
// the process alive, but stdout still gets a moment to flush.
setTimeout(() => process.exit(), 2000).unref()
