/**
 * The market's search box (full text, best match first) and its filters: kind, access mode, tag,
 * licence, price range in tokens and the lowest mean rating. Checked here (search.ts) before the
 * hub is asked; the results below follow the last accepted search.
 */
import type { FormEvent } from 'react'
import { ACCESS_MODES, LICENCES, LISTING_KINDS } from '@w3ai/market/portable'
import type { AccessMode, ListingKind } from '@w3ai/protocol'
import { ACCESS_LABELS } from '../../market/format.js'
import type { SearchForm } from '../../market/search.js'

interface SearchBarProps {
  form: SearchForm
  onChange: (form: SearchForm) => void
  onSearch: () => void
  onReset: () => void
  error: string | null
}

export function SearchBar({ form, onChange, onSearch, onReset, error }: SearchBarProps) {
  const set = (patch: Partial<SearchForm>): void => onChange({ ...form, ...patch })
  const submit = (event: FormEvent): void => {
    event.preventDefault()
    onSearch()
  }
  return (
    <section className="card market-search" data-testid="market-search">
      <form className="card-body" onSubmit={submit}>
        <div className="market-search-row">
          <input
            className="market-search-q"
            data-testid="market-search-q"
            type="search"
            value={form.q}
            placeholder='Search models, datasets and apps: words, "a phrase", -not'
            onChange={(e) => set({ q: e.target.value })}
            aria-label="Search listings"
          />
          <button type="submit" className="primary" data-testid="market-search-submit">
            Search
          </button>
          <button type="button" className="button" data-testid="market-search-reset" onClick={onReset}>
            Clear
          </button>
        </div>
        <div className="market-filters">
          <label>
            Kind
            <select data-testid="market-filter-kind" value={form.kind} onChange={(e) => set({ kind: e.target.value as ListingKind | '' })}>
              <option value="">any</option>
              {LISTING_KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <label>
            Access
            <select data-testid="market-filter-access" value={form.access} onChange={(e) => set({ access: e.target.value as AccessMode | '' })}>
              <option value="">any</option>
              {ACCESS_MODES.map((a) => (
                <option key={a} value={a}>
                  {ACCESS_LABELS[a]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Tag
            <input data-testid="market-filter-tag" value={form.tag} placeholder="e.g. vision" onChange={(e) => set({ tag: e.target.value })} spellCheck={false} />
          </label>
          <label>
            Licence
            <select data-testid="market-filter-licence" value={form.licence} onChange={(e) => set({ licence: e.target.value })}>
              <option value="">any</option>
              {LICENCES.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <label>
            Price from
            <input data-testid="market-filter-min-price" value={form.minPrice} placeholder="tokens" inputMode="decimal" onChange={(e) => set({ minPrice: e.target.value })} />
          </label>
          <label>
            to
            <input data-testid="market-filter-max-price" value={form.maxPrice} placeholder="tokens" inputMode="decimal" onChange={(e) => set({ maxPrice: e.target.value })} />
          </label>
          <label>
            Rating at least
            <select data-testid="market-filter-rating" value={form.minRating} onChange={(e) => set({ minRating: e.target.value })}>
              <option value="">any</option>
              {['1', '2', '3', '4', '4.5'].map((r) => (
                <option key={r} value={r}>
                  ★ {r}
                </option>
              ))}
            </select>
          </label>
        </div>
        {error !== null && (
          <p className="error" data-testid="market-search-error">
            {error}
          </p>
        )}
      </form>
    </section>
  )
}
