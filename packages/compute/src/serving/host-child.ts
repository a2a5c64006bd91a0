/**
 * The model host child: loads ONNX models once and runs batches on them until its parent goes
 * away. Models are user-supplied, so they run here and not in the node: a crash or a hang takes
 * down this process only, and the node starts another.
 */
import { Socket } from 'node:net'
import type { Tensor } from 'onnxruntime-node'
import { W3aiError } from '@w3ai/protocol'
import { createOnnxRunner } from '../onnx/runner.js'
import { startOrphanGuard } from '../sandbox/orphan-guard.js'
import type { CheckedTensor } from '../tensor/json-tensor-check.js'
import { toOrt } from '../tensor/json-tensor.js'
import { HostFrameReader } from './host-pipe.js'
import { decodeRequest, encodeReply, HOST_PIPE_FD, type HostMessage, type HostReply, type HostRequest } from './protocol.js'

const runner = createOnnxRunner({ maxCachedModels: Number(process.env.W3AI_HOST_MAX_MODELS ?? 16) })
const fromOrt = (t: Tensor): CheckedTensor => ({ type: t.type as CheckedTensor['type'], dims: [...t.dims], data: t.data as CheckedTensor['data'] })

const pipe = new Socket({ fd: HOST_PIPE_FD, readable: true, writable: true })

function send(message: HostReply): void {
  const buffers = encodeReply(message)
  pipe.cork()
  for (const b of buffers) pipe.write(b)
  pipe.uncork()
}

async function handle(m: HostRequest): Promise<void> {
  try {
    switch (m.op) {
      case 'load':
        send({ id: m.id, ok: true, info: await runner.load(m.bytes) })
        break
      case 'run': {
        const started = performance.now()
        const feedsList = m.feeds.map((feeds) => Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, toOrt(t)])))
        const outputs = await runner.runTensorBatch(m.cid, feedsList)
        const runMs = performance.now() - started
        send({ id: m.id, ok: true, outputs: outputs.map((o) => Object.fromEntries(Object.entries(o).map(([name, t]) => [name, fromOrt(t)]))), runMs })
        break
      }
      case 'unload':
        runner.unload(m.cid)
        send({ id: m.id, ok: true })
        break
    }
  } catch (err) {
    const e = err instanceof W3aiError ? err : new W3aiError('COMPUTE_RUN_FAILED', String((err as Error)?.message ?? err))
    send({ id: m.id, ok: false, code: e.code, message: e.message, details: e.details })
  }
}

// Exit with the parent (the guard's deadline is far away: this process lives as long as the node).
startOrphanGuard(Date.now() + 100 * 365 * 24 * 3600_000)
const reader = new HostFrameReader((frame) => void handle(decodeRequest(frame)))
pipe.on('data', (chunk: Buffer) => reader.push(chunk))
// The node is gone (or broke the framing): nothing more will come.
pipe.on('error', () => process.exit(0))
pipe.on('end', () => process.exit(0))
process.on('disconnect', () => process.exit(0))
process.send?.({ type: 'ready' } satisfies HostMessage)
