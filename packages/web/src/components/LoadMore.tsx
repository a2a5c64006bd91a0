/** Under a paged list: how many items are loaded and a button for the next page, while there is one. */
interface LoadMoreProps {
  loaded: number
  /** Whether the hub has more after the loaded items. */
  hasMore: boolean
  loading: boolean
  onMore: () => void
  /** The items, plural ("jobs", "objects"). */
  noun: string
  /** Prefix of the test ids: `<testId>` on the button, `<testId>-count` on the count. */
  testId: string
}

export function LoadMore({ loaded, hasMore, loading, onMore, noun, testId }: LoadMoreProps) {
  if (!hasMore) return null
  return (
    <div className="load-more">
      <span className="muted" data-testid={`${testId}-count`}>
        {loaded.toLocaleString('en-US')} {noun} loaded
      </span>
      <button type="button" className="button" data-testid={testId} disabled={loading} onClick={onMore}>
        {loading ? 'Loading…' : 'Load more'}
      </button>
    </div>
  )
}
