/**
 * Send tokens: to an account id (a_…, user:a_…) or a node (n_…, node:n_…), an amount in tokens.
 * Checked here before anything is sent. The transfer id is made once per transfer and kept until it
 * is answered or the form changes, so pressing Send again after a lost answer moves nothing twice.
 */
import { useState, type FormEvent } from 'react'
import type { TransferWire } from '@w3ai/protocol'
import { newTransferId } from '../../economy/api.js'
import { formatTokens, parseTokens } from '../../economy/tokens.js'

interface TransferFormProps {
  onTransfer: (id: string, to: string, units: bigint) => Promise<TransferWire>
  /** What may be spent now (units); null while unknown. */
  available: bigint | null
}

const ACCOUNT = /^(a_[0-9a-f]{20}|user:a_[0-9a-f]{20}|node:n_[0-9a-f]{20})$/
const NODE = /^n_[0-9a-f]{20}$/

/** The recipient as the hub's wallet route takes it, or null. */
export function recipientOf(text: string): string | null {
  const t = text.trim()
  if (ACCOUNT.test(t)) return t
  return NODE.test(t) ? `node:${t}` : null
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

export function TransferForm({ onTransfer, available }: TransferFormProps) {
  const [to, setTo] = useState('')
  const [amount, setAmount] = useState('')
  const [pendingId, setPendingId] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [sent, setSent] = useState<TransferWire | null>(null)

  const edit = (set: (v: string) => void) => (v: string) => {
    set(v)
    setPendingId(null) // another transfer now: a new id
    setError(null)
  }

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    const recipient = recipientOf(to)
    if (recipient === null) return setError('Send to an account id (a_ and 20 hex digits) or a node id (n_ and 20 hex digits).')
    const parsed = parseTokens(amount)
    if ('error' in parsed) return setError(parsed.error)
    if (available !== null && parsed.units > available) return setError(`You have ${formatTokens(available)} tokens available.`)
    const id = pendingId ?? newTransferId()
    setPendingId(id)
    setBusy(true)
    setError(null)
    try {
      const t = await onTransfer(id, recipient, parsed.units)
      setSent(t)
      setPendingId(null)
      setAmount('')
    } catch (err) {
      setError(messageOf(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="transfer-form card-body" data-testid="transfer-form" onSubmit={(e) => void submit(e)}>
      <div className="transfer-fields">
        <label>
          <span className="stat-label">To</span>
          <input data-testid="transfer-to" value={to} onChange={(e) => edit(setTo)(e.target.value)} placeholder="a_… or n_…" spellCheck={false} autoComplete="off" />
        </label>
        <label>
          <span className="stat-label">Tokens</span>
          <input data-testid="transfer-amount" value={amount} onChange={(e) => edit(setAmount)(e.target.value)} placeholder="2.5" inputMode="decimal" autoComplete="off" />
        </label>
        <button type="submit" className="button" data-testid="transfer-send" disabled={busy}>
          {busy ? 'Sending…' : 'Send'}
        </button>
      </div>
      {error !== null && (
        <p className="error" data-testid="transfer-error">
          {error}
        </p>
      )}
      {sent !== null && error === null && (
        <p className="note" data-testid="transfer-sent" data-transfer-id={sent.id}>
          Sent {formatTokens(sent.amount)} tokens to <code>{sent.credit}</code> (journal entry {sent.seq}).
        </p>
      )}
    </form>
  )
}
