/** The dashboard tab, kept in the URL hash (`#storage`, `#jobs`, `#fl`, `#pipelines[/<id>]`, `#wallet`, `#governance`) so it survives reloads and can be linked. */
import { useCallback, useEffect, useState } from 'react'

export type Tab = 'network' | 'storage' | 'jobs' | 'fl' | 'pipelines' | 'wallet' | 'governance' | 'market'

function fromHash(hash: string): Tab {
  if (hash === '#storage') return 'storage'
  if (hash === '#jobs') return 'jobs'
  if (hash === '#fl') return 'fl'
  if (hash === '#pipelines' || hash.startsWith('#pipelines/')) return 'pipelines'
  if (hash === '#wallet') return 'wallet'
  if (hash === '#governance') return 'governance'
  if (hash === '#market' || hash.startsWith('#market/')) return 'market'
  return 'network'
}

export function useTab(): [Tab, (tab: Tab) => void] {
  const [tab, setTab] = useState<Tab>(() => fromHash(window.location.hash))
  useEffect(() => {
    const onHash = (): void => setTab(fromHash(window.location.hash))
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])
  const select = useCallback((next: Tab) => {
    window.location.hash = next === 'network' ? '' : next
    setTab(next)
  }, [])
  return [tab, select]
}
