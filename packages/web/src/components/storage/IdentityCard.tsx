/**
 * The account identity: create one here (keys made by WebCrypto in this browser), or load the
 * CLI's `identity.json`; save it as identity.json; forget it. The keys are kept in this browser
 * (IndexedDB) until forgotten and are never sent to the hub.
 */
import { useState, type ChangeEvent } from 'react'
import { useIdentitySession } from '../../hooks/use-identity.js'
import { createAccountIdentity, downloadIdentity, forgetIdentity, importAccountIdentity } from '../../storage/account.js'
import { canExport } from '../../storage/identity.js'

interface IdentityCardProps {
  /** What the identity is for on this page, after "Create an identity or load … ". */
  purpose?: string
  /** Leaves out the note on where keys live (a page that shows it elsewhere or needs the room). */
  compact?: boolean
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

export function IdentityCard({ purpose = 'to see and transfer your files', compact = false }: IdentityCardProps) {
  const { identity, exported, ready, keepError } = useIdentitySession()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [confirmForget, setConfirmForget] = useState(false)

  const act = async (work: () => Promise<unknown>): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      await work()
      setConfirmForget(false)
    } catch (err) {
      setError(messageOf(err))
    } finally {
      setBusy(false)
    }
  }
  const onFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0]
    event.target.value = '' // picking the same file again must fire again
    if (file === undefined) return
    await act(async () => importAccountIdentity(await file.text()))
  }
  const onForget = (): void => {
    if (!exported && !confirmForget) {
      setConfirmForget(true)
      return
    }
    void act(forgetIdentity)
  }

  return (
    <section className="card identity-card" data-testid="identity-card">
      <header className="card-head">
        <h2>Identity</h2>
        {identity !== null && (
          <span className="card-actions">
            {canExport(identity) && (
              <button type="button" className="link" data-testid="identity-export" onClick={() => void act(() => downloadIdentity(identity))}>
                Save identity.json
              </button>
            )}
            <button type="button" className="link" data-testid="identity-forget" onClick={onForget}>
              Forget
            </button>
          </span>
        )}
      </header>
      <div className="card-body">
        {identity === null ? (
          <p>{ready ? <>Create an identity, or load your <code>~/.w3ai/identity.json</code>, {purpose}.</> : 'Looking for the identity kept in this browser…'}</p>
        ) : (
          <p>
            Signed in as <code className="identity-id" data-testid="identity-id">{identity.id}</code>
          </p>
        )}
        <div className="identity-actions">
          {identity === null && (
            <button type="button" className="primary" data-testid="identity-create" disabled={busy || !ready} onClick={() => void act(createAccountIdentity)}>
              {busy ? 'Working…' : 'Create identity'}
            </button>
          )}
          <label className={`file-pick${busy ? ' disabled' : ''}`}>
            <span>{identity === null ? 'Load identity.json…' : 'Load another…'}</span>
            <input type="file" accept=".json,application/json" data-testid="identity-file" disabled={busy} onChange={(e) => void onFile(e)} />
          </label>
        </div>
        {identity !== null && !exported && (
          <p className="warning" data-testid="identity-unsaved">
            This identity's keys exist only in this browser. Save identity.json to keep them (and to use them with the CLI: put it in <code>~/.w3ai</code>).
          </p>
        )}
        {confirmForget && (
          <p className="warning" data-testid="identity-forget-confirm">
            Forgetting an identity you have not saved loses access to its files. Click Forget again to delete it from this browser.
          </p>
        )}
        {error !== null && (
          <p className="error" data-testid="identity-error">
            {error}
          </p>
        )}
        {keepError !== null && <p className="warning">{keepError}</p>}
        {!compact && (
          <p className="note">
            Your keys stay in this browser (IndexedDB) until you forget them: they are never sent to the hub. Files are encrypted and decrypted here; the hub and the
            nodes only ever see ciphertext.
          </p>
        )}
      </div>
    </section>
  )
}
