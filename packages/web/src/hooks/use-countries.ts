/** Country outlines once their chunk has loaded; null meanwhile (the map shows the bare globe). */
import { useEffect, useState } from 'react'
import { loadCountries, type Countries } from '../atlas.js'

// One load per page, shared by every map instance and remount.
let shared: Promise<Countries> | null = null

export function useCountries(): Countries | null {
  const [countries, setCountries] = useState<Countries | null>(null)
  useEffect(() => {
    let alive = true
    shared ??= loadCountries()
    shared.then(
      (c) => alive && setCountries(c),
      (err: unknown) => console.error('world map outlines failed to load', err),
    )
    return () => {
      alive = false
    }
  }, [])
  return countries
}
