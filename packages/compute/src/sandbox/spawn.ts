/** How compute's child processes (task sandboxes, the model host) are started: which file, which Node flags, which environment. */
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ResolvedLimits } from './limits.js'
import { childModule, childNeedsTsx } from './child-build.js'

/** Environment variables the child keeps: none of the node's secrets, no NODE_OPTIONS. */
const ENV_ALLOWLIST = ['PATH', 'TMPDIR', 'TMP', 'TEMP', 'HOME', 'LANG', 'TZ', 'SYSTEMROOT']

export interface ChildCommand {
  modulePath: string
  execArgv: string[]
  env: Record<string, string>
}

/**
 * `executorModule`: the module the child will import; a TypeScript one (a test fixture, a plugin run
 * from source) needs tsx too. `entry`: the child's own module (default the sandbox runner).
 */
export function childCommand(
  limits: Pick<ResolvedLimits, 'memoryMb'>,
  parentEnv: NodeJS.ProcessEnv = process.env,
  executorModule?: string,
  entry: string = childModule('./runner.js', import.meta.url),
): ChildCommand {
  const execArgv = [
    // node:wasi prints an ExperimentalWarning on stderr; logs should carry the task's own output.
    '--no-warnings',
    // Bounds the JS heap; everything outside it (WebAssembly memory, Buffers) is left to the RSS watchdog.
    `--max-old-space-size=${Math.floor(limits.memoryMb)}`,
  ]
  // Running from TypeScript sources (the repo's normal mode): the child needs tsx too. The
  // loader is passed as an absolute URL so the child's working directory does not matter.
  if (childNeedsTsx() || /\.[cm]?ts$/.test(executorModule ?? '')) {
    execArgv.push('--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href)
  }
  const env: Record<string, string> = {}
  for (const name of ENV_ALLOWLIST) {
    const value = parentEnv[name]
    if (value !== undefined) env[name] = value
  }
  return { modulePath: fileURLToPath(entry), execArgv, env }
}
