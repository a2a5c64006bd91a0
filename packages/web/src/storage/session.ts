/**
 * The loaded identity, kept in this tab's memory only (module state, not storage): it outlives
 * switching dashboard tabs but not a reload. Components subscribe with useSyncExternalStore.
 */
import type { BrowserIdentity } from './identity.js'

let current: BrowserIdentity | null = null
const listeners = new Set<() => void>()

export function getIdentity(): BrowserIdentity | null {
  return current
}

export function setIdentity(identity: BrowserIdentity | null): void {
  current = identity
  for (const listener of listeners) listener()
}

export function subscribeIdentity(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}
