/**
 * Listing titles for the order tables (an order names its listing by id only): each listing is read
 * once (a public GET) and its title kept for the session; one that cannot be read keeps its id.
 */
import { useEffect, useState } from 'react'
import { getListing } from './api.js'

export function useListingTitles(ids: readonly string[]): ReadonlyMap<string, string> {
  const [titles, setTitles] = useState<ReadonlyMap<string, string>>(new Map())
  const [asked] = useState(() => new Set<string>())
  const wanted = [...new Set(ids)].sort().join(',')
  useEffect(() => {
    for (const id of wanted === '' ? [] : wanted.split(',')) {
      if (asked.has(id)) continue
      asked.add(id)
      getListing(id).then(
        (l) => setTitles((t) => new Map(t).set(id, l.title)),
        () => asked.delete(id), // tried again with the next change
      )
    }
  }, [wanted, asked])
  return titles
}
