/**
 * The loaded account identity: held in module state for the page (components subscribe with
 * useSyncExternalStore) and kept in IndexedDB (keep.ts) so it survives a reload until the user
 * forgets it. `restoreIdentity()` runs once at start-up; until it settles `ready` is false, so the
 * page does not offer to create an identity it is about to restore. Other tabs of the dashboard
 * hear of every change (BroadcastChannel) and read the kept identity again, so no tab goes on
 * signing with an identity forgotten elsewhere.
 */
import type { BrowserIdentity } from './identity.js'
import { clearKept, loadKept, saveKept } from './keep.js'

export interface IdentitySession {
  identity: BrowserIdentity | null
  /** The keys were exported (downloaded as identity.json or imported from one). */
  exported: boolean
  /** The start-up restore settled. */
  ready: boolean
  /** Why the identity could not be kept in this browser (it still works for this tab). */
  keepError: string | null
}

let current: IdentitySession = { identity: null, exported: false, ready: false, keepError: null }
const listeners = new Set<() => void>()
let restoring: Promise<void> | null = null

function update(next: Partial<IdentitySession>): void {
  current = { ...current, ...next }
  for (const listener of listeners) listener()
}

export function getSession(): IdentitySession {
  return current
}

export function getIdentity(): BrowserIdentity | null {
  return current.identity
}

export function subscribeIdentity(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('w3ai-identity')
if (channel !== null) {
  channel.onmessage = () => {
    loadKept().then(
      (kept) => update({ identity: kept?.identity ?? null, exported: kept?.exported ?? false, ready: true }),
      (err: unknown) => update({ keepError: message(err) }),
    )
  }
}
const tellOtherTabs = (): void => channel?.postMessage('changed')

/** Loads the identity kept in this browser, once; later calls share the first. */
export function restoreIdentity(): Promise<void> {
  restoring ??= loadKept().then(
    (kept) => {
      // An identity set meanwhile (created or imported during the restore) wins.
      if (current.identity === null && kept !== null) update({ identity: kept.identity, exported: kept.exported, ready: true })
      else update({ ready: true })
    },
    (err: unknown) => update({ ready: true, keepError: message(err) }),
  )
  return restoring
}

/** Writes to the kept copy run one after another, so a later one never lands before an earlier one. */
let writes: Promise<void> = Promise.resolve()
function keep(write: () => Promise<void>): Promise<void> {
  const next = writes.then(write)
  writes = next.catch(() => undefined)
  return next
}

/**
 * Uses `identity` from now on and keeps it in this browser; `null` forgets it here. Forgetting
 * clears the kept copy before the page shows the identity gone, so a reload right after cannot
 * bring it back.
 */
export async function setIdentity(identity: BrowserIdentity | null, exported = false): Promise<void> {
  if (identity === null) {
    let keepError: string | null = null
    try {
      await keep(() => clearKept())
      tellOtherTabs()
    } catch (err) {
      keepError = message(err)
    }
    update({ identity: null, exported: false, ready: true, keepError })
    return
  }
  update({ identity, exported, ready: true, keepError: null })
  try {
    await keep(() => saveKept({ identity, exported }))
    tellOtherTabs()
  } catch (err) {
    update({ keepError: message(err) })
  }
}

/** Records that the current identity's keys were saved to a file. */
export async function markExported(): Promise<void> {
  const identity = current.identity
  if (identity === null) return
  update({ exported: true })
  try {
    await keep(() => saveKept({ identity, exported: true }))
    tellOtherTabs()
  } catch (err) {
    update({ keepError: message(err) })
  }
}
