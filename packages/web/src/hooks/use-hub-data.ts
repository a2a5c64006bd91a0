/**
 * One signed hub read that refetches when its inputs or `version` change (after an upload, say).
 * Answers of superseded requests are dropped, so a slow old answer never overwrites a new one.
 */
import { useEffect, useState } from 'react'

export interface HubData<T> {
  data: T | null
  error: string | null
}

export function useHubData<T>(load: (() => Promise<T>) | null, version: number): HubData<T> {
  const [state, setState] = useState<HubData<T>>({ data: null, error: null })
  useEffect(() => {
    if (load === null) {
      setState({ data: null, error: null })
      return
    }
    let current = true
    load().then(
      (data) => current && setState({ data, error: null }),
      (err: unknown) => current && setState((s) => ({ data: s.data, error: err instanceof Error ? err.message : String(err) })),
    )
    return () => {
      current = false
    }
  }, [load, version])
  return state
}
