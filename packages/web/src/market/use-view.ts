/** The market tab's view, kept in the address (hash.ts) so it survives reloads and can be linked. */
import { useCallback, useEffect, useState } from 'react'
import { marketHash, marketViewOf, type MarketView } from './hash.js'

export function useMarketView(): [MarketView, (view: MarketView) => void] {
  const [view, setView] = useState<MarketView>(() => marketViewOf(window.location.hash))
  useEffect(() => {
    const onHash = (): void => setView(marketViewOf(window.location.hash))
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])
  const select = useCallback((next: MarketView) => {
    window.location.hash = marketHash(next)
    setView(next)
  }, [])
  return [view, select]
}
