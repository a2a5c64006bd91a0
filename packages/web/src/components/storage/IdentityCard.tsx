/**
 * Loads the user's account identity from the `identity.json` they pick. The keys go into WebCrypto
 * as non-extractable keys and stay in this tab's memory: never uploaded, never stored.
 */
import { useState, type ChangeEvent } from 'react'
import type { BrowserIdentity } from '../../storage/identity.js'
import { importIdentity } from '../../storage/identity.js'
import { setIdentity } from '../../storage/session.js'

interface IdentityCardProps {
  identity: BrowserIdentity | null
  /** What the identity is for on this page, after "Pick your account identity … ". */
  purpose?: string
  /** Leaves out the note on where keys live (a page that shows it elsewhere or needs the room). */
  compact?: boolean
}

export function IdentityCard({ identity, purpose = 'to see and transfer your files', compact = false }: IdentityCardProps) {
  const [error, setError] = useState<string | null>(null)
  const onFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0]
    event.target.value = '' // picking the same file again must fire again
    if (file === undefined) return
    try {
      setIdentity(await importIdentity(await file.text()))
      setError(null)
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    }
  }
  return (
    <section className="card identity-card">
      <header className="card-head">
        <h2>Identity</h2>
        {identity !== null && (
          <button type="button" className="link" onClick={() => setIdentity(null)}>
            Forget
          </button>
        )}
      </header>
      <div className="card-body">
        {identity === null ? (
          <p>
            Pick your account identity, <code>~/.w3ai/identity.json</code>, {purpose}.
          </p>
        ) : (
          <p>
            Signed in as <code className="identity-id" data-testid="identity-id">{identity.id}</code>
          </p>
        )}
        <label className="file-pick">
          <span>{identity === null ? 'Load identity…' : 'Load another…'}</span>
          <input type="file" accept=".json,application/json" data-testid="identity-file" onChange={(e) => void onFile(e)} />
        </label>
        {error !== null && <p className="error" data-testid="identity-error">{error}</p>}
        {!compact && (
          <p className="note">
            Your keys stay in this tab's memory only: they are not uploaded or saved, and a reload forgets them. Files are encrypted and
            decrypted here; the hub and the nodes only ever see ciphertext.
          </p>
        )}
      </div>
    </section>
  )
}
