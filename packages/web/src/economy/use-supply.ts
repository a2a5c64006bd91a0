/**
 * The treasury and burned supply series, read from the public journal and kept up to date: each
 * change of `version` (a poll, a transfer the page made) reads only the entries after the last one
 * seen, at most MAX_PAGES_PER_READ pages at a time, so a long journal fills in over a few reads
 * instead of one huge one.
 */
import { useEffect, useRef, useState } from 'react'
import { journalAfter } from './api.js'
import { EMPTY_SUPPLY, extendSupply, type SupplySeries } from './supply.js'

const MAX_PAGES_PER_READ = 20

export interface SupplyState {
  series: SupplySeries
  /** Whether entries after the series are known to exist (still catching up). */
  behind: boolean
  error: string | null
}

export function useSupply(version: number): SupplyState {
  const [state, setState] = useState<SupplyState>({ series: EMPTY_SUPPLY, behind: true, error: null })
  const series = useRef(EMPTY_SUPPLY)
  const reading = useRef(false)
  /** A version change came while a read was running: read once more after it. */
  const again = useRef(false)
  const mounted = useRef(true)
  useEffect(() => {
    mounted.current = true
    return () => {
      mounted.current = false
    }
  }, [])
  useEffect(() => {
    if (reading.current) {
      again.current = true
      return
    }
    reading.current = true
    void (async () => {
      do {
        again.current = false
        try {
          let behind = true
          for (let n = 0; n < MAX_PAGES_PER_READ && behind; n++) {
            const page = await journalAfter(series.current.lastSeq)
            series.current = extendSupply(series.current, page.entries)
            behind = page.nextCursor !== null
          }
          if (mounted.current) setState({ series: series.current, behind, error: null })
        } catch (err) {
          if (mounted.current) setState((s) => ({ ...s, error: err instanceof Error ? err.message : String(err) }))
        }
      } while (again.current && mounted.current)
      reading.current = false
    })()
  }, [version])
  return state
}
