/** Signals and liveness by pid, for processes this process did not start (`w3ai down`). */
import { readFileSync } from 'node:fs'
import { POLL_MS } from './constants.js'

function procText(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8')
  } catch {
    return undefined
  }
}

/**
 * True when the pid runs and is not a zombie. Zombies count as gone: in containers whose init
 * does not reap, a killed orphan stays a zombie forever.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const stat = procText(pid, 'stat')
  if (stat === undefined) return true
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state !== 'Z' && state !== 'X'
}

/**
 * True when the pid is alive and (where /proc can tell) runs the w3ai command, so a pid that was
 * recycled for an unrelated program after a crash is never signalled.
 */
export function isLiveW3ai(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return false
  const cmdline = procText(pid, 'cmdline')
  return cmdline === undefined || cmdline.includes('w3ai')
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() >= end) return false
    await new Promise((r) => setTimeout(r, POLL_MS / 2))
  }
  return true
}

export type StopResult = 'stopped' | 'killed' | 'not running'

/** SIGTERM, wait up to `timeoutMs`, then SIGKILL. */
export async function stopPid(pid: number, timeoutMs: number): Promise<StopResult> {
  if (!isLiveW3ai(pid)) return 'not running'
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    return 'not running'
  }
  if (await waitForExit(pid, timeoutMs)) return 'stopped'
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // exited between the check and the kill
  }
  await waitForExit(pid, 5000)
  return 'killed'
}
