/**
 * Keeps the account identity in this browser's IndexedDB, so a reload does not lose it: the
 * WebCrypto keys are stored as they are (structured clone), never as text and never sent anywhere.
 * One identity per browser profile and origin; "Forget" deletes it.
 */
import type { BrowserIdentity } from './identity.js'

const DB_NAME = 'w3ai'
const STORE = 'identity'
const KEY = 'account'

/** What is stored: the identity plus whether its keys were ever exported (Forget warns otherwise). */
export interface KeptIdentity {
  identity: BrowserIdentity
  exported: boolean
}

function open(factory: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(DB_NAME, 1)
    request.onupgradeneeded = () => request.result.createObjectStore(STORE)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('IndexedDB is unavailable'))
    request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'))
  })
}

async function run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest, factory: IDBFactory | undefined): Promise<T> {
  if (factory === undefined) throw new Error('This browser has no IndexedDB (a private window?): the identity is kept for this tab only.')
  const db = await open(factory)
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode)
      const request = act(tx.objectStore(STORE))
      tx.oncomplete = () => resolve(request.result as T)
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'))
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
    })
  } finally {
    db.close()
  }
}

const defaultFactory = (): IDBFactory | undefined => (typeof indexedDB === 'undefined' ? undefined : indexedDB)

export function saveKept(kept: KeptIdentity, factory = defaultFactory()): Promise<void> {
  return run<unknown>('readwrite', (store) => store.put(kept, KEY), factory).then(() => undefined)
}

export async function loadKept(factory = defaultFactory()): Promise<KeptIdentity | null> {
  if (factory === undefined) return null
  const value = await run<unknown>('readonly', (store) => store.get(KEY), factory)
  const kept = value as Partial<KeptIdentity> | undefined
  const identity = kept?.identity
  if (identity === undefined || typeof identity.id !== 'string' || !(identity.signingKey instanceof CryptoKey) || !(identity.decryptionKey instanceof CryptoKey)) return null
  return { identity, exported: kept?.exported === true }
}

export function clearKept(factory = defaultFactory()): Promise<void> {
  if (factory === undefined) return Promise.resolve()
  return run<unknown>('readwrite', (store) => store.delete(KEY), factory).then(() => undefined)
}
