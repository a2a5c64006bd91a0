/** The account identity (kept in this browser), and a hub API client signing with it. */
import { useMemo, useSyncExternalStore } from 'react'
import { StorageApi } from '../storage/hub-api.js'
import type { BrowserIdentity } from '../storage/identity.js'
import { getSession, subscribeIdentity, type IdentitySession } from '../storage/session.js'

export function useIdentitySession(): IdentitySession {
  return useSyncExternalStore(subscribeIdentity, getSession)
}

export function useIdentity(): { identity: BrowserIdentity | null; api: StorageApi | null } {
  const { identity } = useIdentitySession()
  const api = useMemo(() => (identity === null ? null : new StorageApi(identity)), [identity])
  return { identity, api }
}
