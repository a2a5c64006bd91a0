/**
 * A version to refetch on, bumped after a short delay. Requests coalesce: while one is pending,
 * a later-or-equal deadline joins it and an earlier one replaces it, so a burst of events costs
 * one fetch and an urgent request is never held back by a lazy one.
 */
import { useCallback, useEffect, useRef, useState } from 'react'

export function useRefresh(): [version: number, request: (delayMs: number) => void] {
  const [version, setVersion] = useState(0)
  const due = useRef<{ timer: ReturnType<typeof setTimeout>; at: number } | null>(null)
  const request = useCallback((delayMs: number) => {
    const at = Date.now() + delayMs
    if (due.current !== null) {
      if (due.current.at <= at) return
      clearTimeout(due.current.timer)
    }
    const timer = setTimeout(() => {
      due.current = null
      setVersion((v) => v + 1)
    }, delayMs)
    due.current = { timer, at }
  }, [])
  useEffect(
    () => () => {
      if (due.current !== null) clearTimeout(due.current.timer)
    },
    [],
  )
  return [version, request]
}
