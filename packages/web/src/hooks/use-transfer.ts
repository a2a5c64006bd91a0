/** State of one transfer (upload or download) for its progress bar: idle, running, done or failed. */
import { useCallback, useState } from 'react'
import type { TransferProgress } from '../storage/upload.js'

export interface TransferState {
  phase: 'idle' | 'running' | 'done' | 'error'
  /** What is being transferred (file or object name). */
  label: string
  bytes: number
  total: number
  /** Why it failed, or a remark on a success. */
  message: string | null
}

const IDLE: TransferState = { phase: 'idle', label: '', bytes: 0, total: 0, message: null }

export type RunTransfer = <T>(label: string, job: (onProgress: (p: TransferProgress) => void) => Promise<T>, note?: (result: T) => string | null) => Promise<T | undefined>

/**
 * `run(label, job, note)` drives the state from the job's progress callback and its outcome;
 * `note` may describe a success worth a remark (pieces that had to be skipped, say).
 */
export function useTransfer(): [TransferState, RunTransfer] {
  const [state, setState] = useState<TransferState>(IDLE)
  const run = useCallback<RunTransfer>(async (label, job, note) => {
    setState({ phase: 'running', label, bytes: 0, total: 0, message: null })
    try {
      const result = await job((p) => setState((s) => ({ ...s, bytes: p.bytes, total: p.total })))
      setState((s) => ({ ...s, phase: 'done', bytes: s.total, message: note?.(result) ?? null }))
      return result
    } catch (err) {
      setState((s) => ({ ...s, phase: 'error', message: err instanceof Error ? err.message : String(err) }))
      return undefined
    }
  }, [])
  return [state, run]
}
