#!/usr/bin/env node
// Bundles the `w3ai` command (packages/cli/src/main.ts and the workspace packages it loads) into
// packages/cli/dist, so a hub, a node or a CLI call starts without loading some 600 TypeScript
// modules through tsx's loader thread. npm packages stay external (node_modules). Chunks are split
// at dynamic imports, so a command loads only what it uses. Every workspace module keeps its own
// import.meta.url (the path of its source file), so files found relative to a module (migrations,
// the dashboard, child entry points, package.json) are found as from the sources.
// bin/w3ai.js uses the bundle only while it is newer than every source (see bin/w3ai.js); the
// build is skipped while it is (scripts/fresh.mjs).
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { root, skipIfFresh, workspaceSources } from './fresh.mjs'

const cli = join(root, 'packages', 'cli')
const dist = join(cli, 'dist')
skipIfFresh('w3ai command', join(dist, '.built'), workspaceSources(['web']))

/** Bare imports of npm packages stay imports; the workspace (@w3ai/*) and subpath imports (#x) are bundled. */
const externalNpm = {
  name: 'external-npm',
  setup(b) {
    b.onResolve({ filter: /^[^./#]/ }, (args) => (args.path.startsWith('@w3ai/') || args.path.startsWith('node:') ? undefined : { path: args.path, external: true }))
  },
}

/** import.meta.url of a workspace module is its source file's URL, as when run through tsx. */
const sourceUrls = {
  name: 'source-urls',
  setup(b) {
    b.onLoad({ filter: /[/\\]packages[/\\][^/\\]+[/\\]src[/\\].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8')
      const contents = text.includes('import.meta.url') ? text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)) : text
      return { contents, loader: 'ts' }
    })
  },
}

await rm(dist, { recursive: true, force: true })
await build({
  entryPoints: { main: join(cli, 'src', 'main.ts') },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [externalNpm, sourceUrls],
  logLevel: 'warning',
  // Bundled CommonJS helpers may call require(): give ESM output one.
  banner: { js: "import { createRequire as __w3aiRequire } from 'node:module'; const require = __w3aiRequire(import.meta.url);" },
})
await writeFile(join(dist, '.built'), new Date().toISOString() + '\n')
console.log(`w3ai command bundled into ${dist}`)
