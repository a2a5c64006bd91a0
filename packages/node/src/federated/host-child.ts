/**
 * The federated host's child process: it loads TF.js once and does one piece of federated work
 * per request, in order, answering each with its result or its error code. The parent enforces
 * time and memory from outside (it kills this process), so nothing here needs to.
 */
import { W3aiError } from '@w3ai/protocol'
import { runClientTask } from './client-task.js'
import type { HostRequest, HostReply } from './host-protocol.js'

function send(reply: HostReply): void {
  process.send?.(reply)
}

let queue: Promise<void> = Promise.resolve()

process.on('message', (message: HostRequest) => {
  if (typeof message !== 'object' || message === null || typeof message.id !== 'number') return
  queue = queue.then(async () => {
    try {
      send({ id: message.id, ok: true, result: await runClientTask(message.payload) })
    } catch (err) {
      const code = err instanceof W3aiError ? err.code : 'COMPUTE_EXECUTOR_FAILED'
      send({ id: message.id, ok: false, code, message: String((err as Error)?.message ?? err).slice(0, 2000) })
    }
  })
})
// A parent that went away cannot receive results: stop at once.
process.on('disconnect', () => process.exit(0))
send({ id: 0, ok: true, ready: true })
