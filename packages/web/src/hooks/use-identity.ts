/** The identity loaded on the storage page (memory only), and a hub API client signing with it. */
import { useMemo, useSyncExternalStore } from 'react'
import { StorageApi } from '../storage/hub-api.js'
import type { BrowserIdentity } from '../storage/identity.js'
import { getIdentity, subscribeIdentity } from '../storage/session.js'

export function useIdentity(): { identity: BrowserIdentity | null; api: StorageApi | null } {
  const identity = useSyncExternalStore(subscribeIdentity, getIdentity)
  const api = useMemo(() => (identity === null ? null : new StorageApi(identity)), [identity])
  return { identity, api }
}
