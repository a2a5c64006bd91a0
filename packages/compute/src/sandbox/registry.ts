/**
 * Sandbox entries by executor name. The registry lives in the parent; it sends the child the
 * module to import and the export to call, so the child runner needs no list of its own. The
 * built-in entries come from the executor descriptors (executors/registry.ts); tests and plugins
 * add their own with registerExecutor(...) or an ExecutorRegistry of their own.
 */
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BUILTIN_DESCRIPTORS } from '../executors/registry.js'
import { SandboxError } from './errors.js'
import type { ExecutorRef } from './messages.js'

/**
 * A module next to `base` (an import.meta.url), written with the `.js` suffix as in imports. The
 * repo runs TypeScript directly, so the file on disk is `.ts` when `base` is; the child imports
 * it through tsx. After a build both are `.js` and nothing changes.
 */
export function sourceModule(relative: string, base: string): string {
  const ext = extname(fileURLToPath(base))
  return new URL(relative.replace(/\.js$/, ext), base).href
}

/** Executors every registry starts with: each descriptor's sandbox entry (the prebuilt bundle when it is fresh, see child-build.ts). */
export const BUILTIN_EXECUTORS: Readonly<Record<string, Omit<ExecutorRef, 'name'>>> = Object.fromEntries(BUILTIN_DESCRIPTORS.map((d) => [d.name, d.sandbox()]))

export class ExecutorRegistry {
  readonly #entries = new Map<string, ExecutorRef>()

  constructor(initial: Readonly<Record<string, Omit<ExecutorRef, 'name'>>> = BUILTIN_EXECUTORS) {
    for (const [name, ref] of Object.entries(initial)) this.register(name, ref.module, ref.exportName)
  }

  /**
   * Register (or replace) an executor. `moduleSpecifier` must be importable from anywhere: a
   * file: URL (see sourceModule) or a bare package specifier — never a relative path.
   */
  register(name: string, moduleSpecifier: string | URL, exportName: string): void {
    const module = moduleSpecifier instanceof URL ? moduleSpecifier.href : moduleSpecifier
    if (module.startsWith('.') || module.startsWith('/')) {
      throw new TypeError(`executor ${name}: pass a file: URL or package specifier, not the path ${module}`)
    }
    this.#entries.set(name, { name, module, exportName })
  }

  /** The executor's reference, or COMPUTE_UNKNOWN_EXECUTOR. */
  resolve(name: string): ExecutorRef {
    const ref = this.#entries.get(name)
    if (ref === undefined) {
      throw new SandboxError('COMPUTE_UNKNOWN_EXECUTOR', `No executor named "${name}"; known: ${this.names().join(', ')}`)
    }
    return ref
  }

  names(): string[] {
    return [...this.#entries.keys()].sort()
  }
}

/** The registry runSandboxed uses when none is passed. */
export const defaultExecutors = new ExecutorRegistry()

/** Register an executor in the default registry (one line per executor at start-up). */
export function registerExecutor(name: string, moduleSpecifier: string | URL, exportName: string): void {
  defaultExecutors.register(name, moduleSpecifier, exportName)
}
