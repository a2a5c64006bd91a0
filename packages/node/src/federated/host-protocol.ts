/** Messages between the federated host (parent) and its child. */
import type { FlClientPayload, FlClientResult } from './client-task.js'

export interface HostRequest {
  id: number
  payload: FlClientPayload
}

export type HostReply = { id: number; ok: true; result?: FlClientResult; ready?: true } | { id: number; ok: false; code: string; message: string }
