/** Running `w3ai` as a real process or in-process, temporary homes, free ports and polling. */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { vi } from 'vitest'
import { main, W3AI_BIN } from '../src/index.js'

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** Environment for children: quiet logs, and no W3AI_* settings leaking in from the caller. */
export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, W3AI_LOG_LEVEL: 'warn' }
  delete env.W3AI_HOME
  delete env.W3AI_HUB
  delete env.DATABASE_URL
  delete env.W3AI_NETWORK_KEY_FILE
  delete env.W3AI_PUBLIC_URL
  return { ...env, ...extra }
}

/** `w3ai ...args` as a real process, killed after `timeoutMs`. */
export function w3ai(args: string[], env: NodeJS.ProcessEnv = testEnv(), timeoutMs = 90_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [W3AI_BIN, ...args], { env, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1
      resolve({ code, stdout, stderr })
    })
  })
}

/** `w3ai ...args` through main() in this process, capturing what it prints. */
export async function w3aiInProcess(args: string[]): Promise<RunResult> {
  let stdout = ''
  let stderr = ''
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk)
    return true
  })
  try {
    const code = await main(args)
    return { code, stdout, stderr }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}

export async function tempHome(prefix = 'w3ai-cli-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`${what} not met within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export function parseJson<T>(text: string): T {
  return JSON.parse(text) as T
}
