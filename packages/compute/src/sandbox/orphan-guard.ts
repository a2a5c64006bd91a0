/**
 * Runs in the child: a tiny worker thread that kills the child if the parent dies or if the
 * task outlives a hard deadline. The parent normally enforces every limit, but it cannot do so
 * after it has crashed, and the child's own event loop may be stuck in a WebAssembly loop; a
 * worker thread still runs then, and process.kill from it takes the whole process down.
 */
import { Worker } from 'node:worker_threads'

const GUARD_SOURCE = `
const { workerData } = require('node:worker_threads')
setInterval(() => {
  if (process.ppid !== workerData.ppid || Date.now() > workerData.deadline) process.kill(process.pid, 'SIGKILL')
}, 250)
`

/** Start the guard; `deadline` is an epoch time in milliseconds. */
export function startOrphanGuard(deadline: number): void {
  // execArgv [] keeps the worker from loading tsx: its source is plain CommonJS.
  const worker = new Worker(GUARD_SOURCE, { eval: true, workerData: { ppid: process.ppid, deadline }, execArgv: [] })
  worker.unref()
}
