/**
 * The dashboard page: header and tabs; the network tab has the overview, map with regions and node
 * table, the storage tab (loaded on first visit, with its crypto and coder) the user's objects, the
 * jobs tab (also loaded on first visit) the user's compute jobs, the federated tab (likewise) the
 * user's federated trainings, the pipelines tab (likewise) the user's private inference pipelines,
 * the wallet tab (likewise) the user's tokens, node earnings and the treasury and burned supply,
 * the governance tab (likewise) the proposals with their live tallies.
 */
import { lazy, Suspense, useMemo, useState } from 'react'
import { GetStarted } from './components/GetStarted.js'
import { Header } from './components/Header.js'
import type { Filters } from './components/NodeFilters.js'
import { NodeTable } from './components/NodeTable.js'
import { Overview } from './components/Overview.js'
import { RegionList } from './components/RegionList.js'
import { Tabs } from './components/Tabs.js'
import { WorldMap } from './components/WorldMap.js'
import { useHealth } from './hooks/use-health.js'
import { useNetwork } from './hooks/use-network.js'
import { useSummary } from './hooks/use-summary.js'
import { useTab } from './hooks/use-tab.js'
import { countByStatus, regionStats } from './node-state.js'

// A separate chunk: most visits never open storage, and it brings dag-json, SHA-256 and the coder.
const StoragePage = lazy(() => import('./components/storage/StoragePage.js'))
// Also its own chunk; it shares the identity and request signing with storage.
const JobsPage = lazy(() => import('./components/jobs/JobsPage.js'))
const FlPage = lazy(() => import('./components/fl/FlPage.js'))
const PipelinesPage = lazy(() => import('./components/pipelines/PipelinesPage.js'))
const WalletPage = lazy(() => import('./components/economy/WalletPage.js'))
const GovernancePage = lazy(() => import('./components/economy/GovernancePage.js'))
const MarketPage = lazy(() => import('./components/market/MarketPage.js'))

export function App() {
  const live = useNetwork()
  const summary = useSummary(live.statusVersion, live.loadVersion)
  const health = useHealth(live.connection)
  const [filters, setFilters] = useState<Filters>({ status: '', region: '' })
  const [tab, setTab] = useTab()

  const { nodes } = live.network
  const hubId = live.network.hubId ?? health?.hubId ?? null
  const regions = useMemo(() => regionStats(nodes.values()), [nodes])
  // While the stream is live it holds every node and every status change as it happens, so the
  // counts agree with the map and table; the summary (refreshed less often) covers the gaps.
  const streamCounts = useMemo(() => countByStatus(nodes.values()), [nodes])
  const counts = live.streamState === 'live' || summary === null || summary === undefined ? streamCounts : summary.nodes

  return (
    <div className="app">
      <Header hubId={hubId} health={health} streamState={live.streamState} />
      <Tabs tab={tab} onSelect={setTab} />
      <main className="content">
        <GetStarted tab={tab} onSelect={setTab} jobVersion={live.jobVersion} />
        {tab === 'network' ? (
          <>
            <Overview counts={counts} capacity={summary?.capacity ?? null} />
            <div className="map-row">
              <WorldMap nodes={nodes} hubId={hubId} />
              <RegionList regions={regions} selected={filters.region} onSelect={(region) => setFilters({ ...filters, region })} />
            </div>
            <NodeTable nodes={nodes} regions={regions.map((r) => r.region)} filters={filters} onFilters={setFilters} />
          </>
        ) : tab === 'storage' ? (
          <Suspense fallback={<p className="empty">Loading storage…</p>}>
            <StoragePage nodes={nodes} hubId={hubId} />
          </Suspense>
        ) : tab === 'pipelines' ? (
          <Suspense fallback={<p className="empty">Loading pipelines…</p>}>
            <PipelinesPage nodes={nodes} pipelineVersion={live.pipelineVersion} pipelineStamps={live.pipelineStamps} streamLive={live.streamState === 'live'} />
          </Suspense>
        ) : tab === 'wallet' ? (
          <Suspense fallback={<p className="empty">Loading the wallet…</p>}>
            <WalletPage nodes={nodes} />
          </Suspense>
        ) : tab === 'governance' ? (
          <Suspense fallback={<p className="empty">Loading governance…</p>}>
            <GovernancePage governanceVersion={live.governanceVersion} streamLive={live.streamState === 'live'} />
          </Suspense>
        ) : tab === 'market' ? (<Suspense fallback={<p className="empty">Loading the market…</p>}><MarketPage /></Suspense>
        ) : tab === 'fl' ? (
          <Suspense fallback={<p className="empty">Loading federated trainings…</p>}>
            <FlPage nodes={nodes} flVersion={live.flVersion} flStamps={live.flStamps} streamLive={live.streamState === 'live'} />
          </Suspense>
        ) : (
          <Suspense fallback={<p className="empty">Loading jobs…</p>}>
            <JobsPage nodes={nodes} hubId={hubId} jobVersion={live.jobVersion} jobStamps={live.jobStamps} deploymentVersion={live.deploymentVersion} streamLive={live.streamState === 'live'} />
          </Suspense>
        )}
      </main>
    </div>
  )
}
