/**
 * Messages between a node and its model host (one long-lived child process that keeps onnxruntime
 * sessions open). Requests and replies travel as frames on a pipe of their own (host-pipe.ts):
 * a JSON header, and tensors and model bytes as raw blobs. The IPC channel only says the child is
 * ready, and its closing tells the child that the node is gone.
 */
import type { ModelInfo } from '../onnx/runner.js'
import type { CheckedTensor } from '../tensor/json-tensor-check.js'
import { encodeHostFrame, packTensors, unpackTensors, type HostFrame } from './host-pipe.js'

/** The child's end of the pipe. */
export const HOST_PIPE_FD = 4

export type HostRequest =
  | { id: number; op: 'load'; bytes: Uint8Array }
  | { id: number; op: 'run'; cid: string; feeds: Array<Record<string, CheckedTensor>> }
  | { id: number; op: 'unload'; cid: string }

export type HostReply =
  | { id: number; ok: true; info?: ModelInfo; outputs?: Array<Record<string, CheckedTensor>>; runMs?: number }
  | { id: number; ok: false; code: string; message: string; details?: unknown }

export type HostMessage = { type: 'ready' }

export function encodeRequest(m: HostRequest): Buffer[] {
  switch (m.op) {
    case 'load':
      return encodeHostFrame({ id: m.id, op: m.op }, [m.bytes])
    case 'run': {
      const blobs: ArrayBufferView[] = []
      const feeds = packTensors(m.feeds, blobs)
      return encodeHostFrame({ id: m.id, op: m.op, cid: m.cid, feeds }, blobs)
    }
    case 'unload':
      return encodeHostFrame({ id: m.id, op: m.op, cid: m.cid })
  }
}

export function decodeRequest({ header, blobs }: HostFrame): HostRequest {
  const id = header.id as number
  switch (header.op) {
    case 'load':
      return { id, op: 'load', bytes: blobs[0] ?? new Uint8Array(0) }
    case 'run':
      return { id, op: 'run', cid: header.cid as string, feeds: unpackTensors(header.feeds, blobs) }
    case 'unload':
      return { id, op: 'unload', cid: header.cid as string }
    default:
      throw new Error(`model host pipe: unknown op ${JSON.stringify(header.op)}`)
  }
}

export function encodeReply(m: HostReply): Buffer[] {
  if (!m.ok || m.outputs === undefined) return encodeHostFrame(m)
  const blobs: ArrayBufferView[] = []
  const outputs = packTensors(m.outputs, blobs)
  return encodeHostFrame({ ...m, outputs }, blobs)
}

export function decodeReply({ header, blobs }: HostFrame): HostReply {
  if (header.ok === true && header.outputs !== undefined) return { ...(header as HostReply & { ok: true }), outputs: unpackTensors(header.outputs, blobs) }
  return header as HostReply
}
