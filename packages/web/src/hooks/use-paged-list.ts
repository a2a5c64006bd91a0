/**
 * A hub list read page by page (paging.ts): the first page when `load` is set, a refresh of the
 * loaded extent whenever `version` changes, and `more()` for the next page. A new `load` (another
 * identity) starts a new list; answers for the old one reach no one.
 */
import { useCallback, useEffect, useMemo, useSyncExternalStore } from 'react'
import { EMPTY_PAGED, PagedList, type LoadPage, type PagedState } from '../paging.js'

export interface PagedView<T> extends PagedState<T> {
  /** Loads the next page (no-op when there is none or the list is not loaded). */
  more: () => void
}

const NOOP_SUBSCRIBE = (): (() => void) => () => {}

/** `key` must be stable (a module-level function): it identifies items across pages. */
export function usePagedList<T>(load: LoadPage<T> | null, key: (item: T) => string, version: number): PagedView<T> {
  const list = useMemo(() => (load === null ? null : new PagedList(load, key)), [load, key])
  const subscribe = useMemo(() => (list === null ? NOOP_SUBSCRIBE : (cb: () => void) => list.subscribe(cb)), [list])
  const state = useSyncExternalStore(subscribe, () => (list === null ? (EMPTY_PAGED as PagedState<T>) : list.snapshot))
  useEffect(() => {
    if (list !== null) void list.refresh()
  }, [list, version])
  const more = useCallback(() => {
    if (list !== null) void list.more()
  }, [list])
  return { ...state, more }
}
