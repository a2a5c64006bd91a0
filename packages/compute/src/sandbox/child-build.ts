/**
 * Which files child processes (task sandboxes, the model host) start from. The repo runs
 * TypeScript through tsx, which costs a child about half a second of start-up; `npm run
 * build:sandbox` bundles the child entry points into packages/compute/dist, and children start
 * from there when that build is newer than every source it was made from (compute and the
 * workspace packages it bundles: protocol, util).
 * A stale or missing build falls back to the sources, so an edit is never run from old code.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { extname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const SRC = fileURLToPath(new URL('../', import.meta.url))
const DIST = join(SRC, '..', 'dist')
const STAMP = join(DIST, '.built')
const SOURCES = [SRC, ...['protocol', 'util'].map((pkg) => join(SRC, '..', '..', pkg, 'src'))]
const FROM_SOURCES = extname(fileURLToPath(import.meta.url)) === '.ts'

let fresh: boolean | undefined

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** True when children should start from the bundle (checked once per process). */
export function useChildBuild(): boolean {
  if (!FROM_SOURCES || process.env.W3AI_SANDBOX_FROM_SOURCES === '1') return false
  fresh ??= existsSync(STAMP) && statSync(STAMP).mtimeMs >= Math.max(...SOURCES.map(newestMtime))
  return fresh
}

/** True when a child must load tsx to run its entry point. */
export function childNeedsTsx(): boolean {
  return FROM_SOURCES && !useChildBuild()
}

/**
 * A module next to `base` (an import.meta.url), written with the `.js` suffix as in imports: the
 * bundled file when children start from the build, else the file beside `base` (`.ts` from sources).
 */
export function childModule(rel: string, base: string): string {
  const ext = extname(fileURLToPath(base))
  const source = new URL(rel.replace(/\.js$/, ext), base)
  if (!useChildBuild()) return source.href
  const inSrc = relative(SRC, fileURLToPath(source)).replace(/\.ts$/, '.js')
  return pathToFileURL(join(DIST, inSrc)).href
}

/** Entry points bundled by `npm run build:sandbox`, relative to packages/compute/src. */
export const CHILD_ENTRIES = ['sandbox/runner.ts', 'wasm/executor.ts', 'executors/onnx-task.ts', 'executors/train-task.ts', 'executors/he-task.ts', 'serving/host-child.ts']
