/**
 * IPC between a node and its model host (one long-lived child process that keeps onnxruntime
 * sessions open). Tensors cross as typed arrays under Node's 'advanced' serialization.
 */
import type { ModelInfo } from '../onnx/runner.js'
import type { CheckedTensor } from '../tensor/json-tensor-check.js'

export type HostRequest =
  | { id: number; op: 'load'; bytes: Uint8Array }
  | { id: number; op: 'run'; cid: string; feeds: Array<Record<string, CheckedTensor>> }
  | { id: number; op: 'unload'; cid: string }

export type HostReply =
  | { id: number; ok: true; info?: ModelInfo; outputs?: Array<Record<string, CheckedTensor>>; runMs?: number }
  | { id: number; ok: false; code: string; message: string; details?: unknown }

export type HostMessage = { type: 'ready' } | HostReply
