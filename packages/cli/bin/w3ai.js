#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so the repo needs no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/main.ts')
process.exitCode = await main(process.argv.slice(2))
// A long-running command has stopped by now; a stray handle (a socket, a timer) must not keep
// the process alive, but stdout still gets a moment to flush.
setTimeout(() => process.exit(), 2000).unref()
