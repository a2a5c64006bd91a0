/** GET /v1/health once per stream connection: a reconnect may mean a restarted or different hub. */
import { useEffect, useState } from 'react'
import type { Health } from '@w3ai/protocol'
import { fetchHealth } from '../api.js'

export function useHealth(connection: number): Health | null {
  const [health, setHealth] = useState<Health | null>(null)
  useEffect(() => {
    const controller = new AbortController()
    fetchHealth(controller.signal).then(setHealth, () => {
      // The header simply keeps what it had; the stream indicator already shows trouble.
    })
    return () => controller.abort()
  }, [connection])
  return health
}
