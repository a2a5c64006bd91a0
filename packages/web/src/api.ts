/** The few unsigned hub endpoints the dashboard reads, resolved against the page's own origin. */
import type { Health, NetworkSummary } from '@w3ai/protocol'

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { signal, headers: { accept: 'application/json' } })
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`)
  return (await res.json()) as T
}

/** GET /v1/health: hub id, version, database and uptime. */
export function fetchHealth(signal?: AbortSignal): Promise<Health> {
  return getJson<Health>('/v1/health', signal)
}

/** GET /v1/network/summary: counts by status and capacity of online nodes. */
export function fetchSummary(signal?: AbortSignal): Promise<NetworkSummary> {
  return getJson<NetworkSummary>('/v1/network/summary', signal)
}
