/**
 * Resident memory of the child, read by the parent from /proc. The child cannot be asked: while
 * a WebAssembly loop or a long synchronous kernel runs, its event loop answers nothing, and
 * WebAssembly memory and Buffers live outside the V8 heap that --max-old-space-size bounds.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'

/** False on platforms without procfs; the child then reports its own RSS over IPC. */
export const PROC_RSS_AVAILABLE = existsSync('/proc/self/status')

/** VmRSS of `pid` in bytes, or undefined when the process is gone. */
export async function readProcRss(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024
  } catch {
    return undefined
  }
}
