#!/usr/bin/env node
// Bundles the entry points of child processes (task sandboxes, the model host) into
// packages/compute/dist, so children start in about 0.1 s instead of loading TypeScript through
// tsx. npm packages stay external (node_modules); the workspace's own TypeScript is bundled.
// Children use the bundle only while it is newer than its sources (packages/compute/src/sandbox/child-build.ts).
// Skipped while the bundle is newer than those sources (scripts/fresh.mjs).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { build } from 'esbuild'
import { root, skipIfFresh } from './fresh.mjs'

const compute = join(root, 'packages', 'compute')
skipIfFresh('sandbox children', join(compute, 'dist', '.built'), [...['compute', 'protocol', 'util'].map((p) => join(root, 'packages', p, 'src')), join(root, 'package-lock.json')])
const pkg = JSON.parse(await readFile(join(compute, 'package.json'), 'utf8'))
const source = await readFile(join(compute, 'src', 'sandbox', 'child-build.ts'), 'utf8')
const entries = JSON.parse(source.match(/CHILD_ENTRIES = (\[[^\]]*\])/)[1].replaceAll("'", '"'))
const external = Object.keys(pkg.dependencies).filter((d) => !d.startsWith('@w3ai/'))

const dist = join(compute, 'dist')
await rm(dist, { recursive: true, force: true })
await build({
  entryPoints: entries.map((e) => join(compute, 'src', e)),
  outbase: join(compute, 'src'),
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  logLevel: 'warning',
  // Bundled CommonJS helpers may call require(): give ESM output one.
  banner: { js: "import { createRequire as __w3aiRequire } from 'node:module'; const require = __w3aiRequire(import.meta.url);" },
})
await mkdir(dist, { recursive: true })
await writeFile(join(dist, '.built'), new Date().toISOString() + '\n')
console.log(`sandbox children bundled into ${dist}`)
