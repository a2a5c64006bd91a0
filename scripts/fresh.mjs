// Whether a build is newer than everything it is made from, for the build scripts: `npm start`
// and `npm test` run them every time, and a build that would change nothing is skipped. Skipping
// matters beyond the seconds it saves: each build first empties its dist folder, which processes
// already running (a hub serving the dashboard, devnets starting `w3ai` or sandbox children from
// their bundles) load files from. `--force` builds anyway.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')

function newestMtime(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = 0
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

/** Every workspace package's src/ (but `except`), and the lockfile: what a bundle of workspace code is made from. */
export function workspaceSources(except = []) {
  const packages = join(root, 'packages')
  return [...readdirSync(packages).filter((p) => !except.includes(p)).map((p) => join(packages, p, 'src')), join(root, 'package-lock.json')]
}

/** Exits (0) when `stamp` is newer than every file under `sources`, saying so, unless the command has --force. */
export function skipIfFresh(what, stamp, sources) {
  if (process.argv.includes('--force') || !existsSync(stamp)) return
  const built = statSync(stamp).mtimeMs
  if (sources.every((s) => newestMtime(s) <= built)) {
    console.log(`${what}: up to date (--force to build anyway)`)
    process.exit(0)
  }
}
