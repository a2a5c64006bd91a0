/**
 * The wallet tab: with the account identity loaded, its wallet (balance, available, reserved; the
 * faucet on devnets; a transfer form) and its history, paged; for everyone, the treasury and burned
 * supply over time (replayed from the public journal) and what each node has earned. The hub
 * publishes no ledger events, so the tab polls every few seconds, and at once after a transfer or
 * faucet request made here.
 */
import { useCallback, useEffect, useMemo } from 'react'
import type { JournalEntryWire, NodeInfo } from '@w3ai/protocol'
import { accountsPage, WalletApi } from '../../economy/api.js'
import { nodeEarningPages, type NodeEarning } from '../../economy/earnings.js'
import { useSupply } from '../../economy/use-supply.js'
import { useHubData } from '../../hooks/use-hub-data.js'
import { useIdentity } from '../../hooks/use-identity.js'
import { useNow } from '../../hooks/use-now.js'
import { usePagedList } from '../../hooks/use-paged-list.js'
import { useRefresh } from '../../hooks/use-refresh.js'
import { IdentityCard } from '../storage/IdentityCard.js'
import { NodeEarnings } from './NodeEarnings.js'
import { SupplyChart } from './SupplyChart.js'
import { WalletCard } from './WalletCard.js'
import { WalletHistory } from './WalletHistory.js'
import './economy.css'

/** How often the tab reads the wallet, the journal and node accounts again. */
export const WALLET_POLL_MS = 3000
const PURPOSE = 'to see your tokens and send them'

const entryKey = (e: JournalEntryWire): string => String(e.seq)
const earningKey = (e: NodeEarning): string => e.nodeId
const EARNING_PAGES = nodeEarningPages((cursor, limit) => accountsPage(cursor, limit))

export default function WalletPage({ nodes }: { nodes: ReadonlyMap<string, NodeInfo> }) {
  const { identity, api } = useIdentity()
  const walletApi = useMemo(() => (api === null ? null : new WalletApi(api)), [api])
  const [version, request] = useRefresh()
  useEffect(() => {
    const timer = setInterval(() => request(0), WALLET_POLL_MS)
    return () => clearInterval(timer)
  }, [request])

  const loadWallet = useCallback(() => (walletApi as WalletApi).wallet(), [walletApi])
  const wallet = useHubData(walletApi === null ? null : loadWallet, version)
  const history = usePagedList(walletApi?.historyPages ?? null, entryKey, version)
  const supply = useSupply(version)
  const earnings = usePagedList(EARNING_PAGES, earningKey, version)
  const now = useNow(5000)

  const after = useCallback(
    <T,>(work: Promise<T>): Promise<T> =>
      work.finally(() => request(0)),
    [request],
  )

  return (
    <div className="storage economy-page" data-testid="wallet-tab">
      {identity === null && <IdentityCard purpose={PURPOSE} />}
      {identity !== null && walletApi !== null && (
        <>
          <IdentityCard purpose={PURPOSE} compact />
          <WalletCard
            wallet={wallet.data}
            error={wallet.error}
            faucet={supply.series.faucetFunded}
            onFaucet={() => after(walletApi.faucet())}
            onTransfer={(id, to, units) => after(walletApi.transfer(id, to, units))}
          />
          <WalletHistory account={`user:${identity.id}`} entries={history.items} error={history.error} hasMore={history.nextCursor !== null} loadingMore={history.loading === 'more'} onMore={history.more} />
        </>
      )}
      <SupplyChart series={supply.series} behind={supply.behind} error={supply.error} now={now} />
      <NodeEarnings earnings={earnings.items} nodes={nodes} error={earnings.error} hasMore={earnings.nextCursor !== null} loadingMore={earnings.loading === 'more'} onMore={earnings.more} />
    </div>
  )
}
