/**
 * GET /v1/network/summary, refreshed after events: soon after a status change (counts moved),
 * and at most every few seconds while load events stream in (disk use drifts slowly).
 */
import { useEffect, useRef, useState } from 'react'
import type { NetworkSummary } from '@w3ai/protocol'
import { fetchSummary } from '../api.js'

/** Short wait after a status event, so a burst of them (a region going dark) costs one fetch. */
const STATUS_DEBOUNCE_MS = 150
/** Load events arrive every heartbeat; capacity numbers don't need that rate. */
const LOAD_REFRESH_MS = 5000

export function useSummary(statusVersion: number, loadVersion: number): NetworkSummary | null {
  const [summary, setSummary] = useState<NetworkSummary | null>(null)
  const lastFetch = useRef(0)
  const pending = useRef<AbortController | null>(null)

  const refresh = (): void => {
    pending.current?.abort()
    const controller = new AbortController()
    pending.current = controller
    lastFetch.current = Date.now()
    fetchSummary(controller.signal).then(setSummary, () => {
      // Keep the last good summary; the next event tries again.
    })
  }

  useEffect(() => {
    const timer = setTimeout(refresh, statusVersion === 0 ? 0 : STATUS_DEBOUNCE_MS)
    return () => clearTimeout(timer)
  }, [statusVersion])

  useEffect(() => {
    if (loadVersion > 0 && Date.now() - lastFetch.current >= LOAD_REFRESH_MS) refresh()
  }, [loadVersion])

  useEffect(() => () => pending.current?.abort(), [])
  return summary
}
