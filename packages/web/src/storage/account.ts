/**
 * What the identity card and the Get started card do with an identity: create one in the browser
 * and register its account at the hub (as `w3ai account create` does), import an identity.json,
 * save it as identity.json, forget it. The private keys never leave the browser: the hub only
 * sees the public keys and signatures.
 */
import { StorageApi } from './hub-api.js'
import { createIdentity, exportIdentity, IDENTITY_FILE_NAME, importIdentity, type BrowserIdentity } from './identity.js'
import { saveBlob } from './save-blob.js'
import { markExported, restoreIdentity, setIdentity, getIdentity } from './session.js'

/** Registers the identity's account at this hub when the hub does not know it yet. */
export async function registerAccount(identity: BrowserIdentity, base = ''): Promise<void> {
  await new StorageApi(identity, base).ensureAccount(identity.encryptionKey)
}

/** A fresh identity, registered, kept in this browser and used from now on. */
export async function createAccountIdentity(): Promise<BrowserIdentity> {
  const identity = await createIdentity()
  await registerAccount(identity)
  await setIdentity(identity, false)
  return identity
}

/** An identity.json's text, checked, registered when the hub does not know it, kept and used. */
export async function importAccountIdentity(text: string): Promise<BrowserIdentity> {
  const identity = await importIdentity(text)
  await registerAccount(identity)
  await setIdentity(identity, true)
  return identity
}

/** Saves the identity as identity.json (the CLI's format: put it in ~/.w3ai to use it there). */
export async function downloadIdentity(identity: BrowserIdentity): Promise<void> {
  saveBlob(new Blob([await exportIdentity(identity)], { type: 'application/json' }), IDENTITY_FILE_NAME)
  await markExported()
}

/** Forgets the identity in this browser (the hub keeps the account; an exported file still works). */
export function forgetIdentity(): Promise<void> {
  return setIdentity(null)
}

/**
 * At start-up: the identity kept in this browser, if any, registered again when this hub does not
 * know it (a fresh devnet). Registration errors are left for the first signed request to report.
 */
export async function startIdentity(): Promise<void> {
  await restoreIdentity()
  const identity = getIdentity()
  if (identity !== null) await registerAccount(identity).catch(() => undefined)
}
