/**
 * The identity's wallet: balance, available (balance minus reserved) and pending (reserved) tokens,
 * the faucet button on networks whose journal funded a faucet (devnets), and the transfer form.
 */
import { useState } from 'react'
import type { TransferWire, Wallet } from '@w3ai/protocol'
import { formatTokens } from '../../economy/tokens.js'
import { TransferForm } from './TransferForm.js'

interface WalletCardProps {
  wallet: Wallet | null
  error: string | null
  /** Offer the faucet (its genesis allocation is in the journal). */
  faucet: boolean
  onFaucet: () => Promise<TransferWire>
  onTransfer: (id: string, to: string, units: bigint) => Promise<TransferWire>
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

export function WalletCard({ wallet, error, faucet, onFaucet, onTransfer }: WalletCardProps) {
  const [faucetState, setFaucetState] = useState<{ busy: boolean; note: string | null; error: string | null; refused: boolean }>({ busy: false, note: null, error: null, refused: false })

  const takeFaucet = async (): Promise<void> => {
    setFaucetState((s) => ({ ...s, busy: true, note: null, error: null }))
    try {
      const t = await onFaucet()
      setFaucetState({ busy: false, note: `Received ${formatTokens(t.amount)} tokens from the faucet.`, error: null, refused: false })
    } catch (err) {
      // A hub without a faucet says so for good: the button goes.
      const refused = (err as { code?: string }).code === 'LEDGER_FAUCET_DISABLED'
      setFaucetState({ busy: false, note: null, error: messageOf(err), refused })
    }
  }

  return (
    <section className="card wallet-card" aria-labelledby="wallet-title" data-testid="wallet-card">
      <header className="card-head">
        <h2 id="wallet-title">
          Wallet {wallet !== null && <code className="card-sub">{wallet.account}</code>}
        </h2>
        {faucet && !faucetState.refused && (
          <button type="button" className="button" data-testid="wallet-faucet" disabled={faucetState.busy} onClick={() => void takeFaucet()} title="Test tokens, on devnets only">
            {faucetState.busy ? 'Asking the faucet…' : 'Get test tokens'}
          </button>
        )}
      </header>
      {error !== null && <p className="error">{error}</p>}
      <div className="wallet-stats">
        <div className="stat" data-testid="wallet-balance" data-units={wallet?.balance ?? ''}>
          <span className="stat-label">Balance</span>
          <span className="stat-value">{wallet === null ? '…' : formatTokens(wallet.balance)}</span>
        </div>
        <div className="stat" data-testid="wallet-available" data-units={wallet?.available ?? ''}>
          <span className="stat-label">Available</span>
          <span className="stat-value">{wallet === null ? '…' : formatTokens(wallet.available)}</span>
        </div>
        <div className="stat" data-testid="wallet-pending" data-units={wallet?.pending ?? ''}>
          <span className="stat-label">Reserved</span>
          <span className="stat-value">{wallet === null ? '…' : formatTokens(wallet.pending)}</span>
        </div>
      </div>
      {faucetState.note !== null && (
        <p className="note wallet-note" data-testid="wallet-faucet-note">
          {faucetState.note}
        </p>
      )}
      {faucetState.error !== null && (
        <p className="error" data-testid="wallet-faucet-error">
          {faucetState.error}
        </p>
      )}
      <TransferForm onTransfer={onTransfer} available={wallet === null ? null : BigInt(wallet.available)} />
    </section>
  )
}
