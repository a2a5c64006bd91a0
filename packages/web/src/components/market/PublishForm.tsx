/**
 * Publishing a listing: what is sold (model, dataset or app), its title, description, tags and
 * licence, how it is sold (the access modes its kind allows) and for how much (tokens), the stored
 * object it sells (picked from your files on the Storage tab, or a CID pasted: one shared with
 * you works too), its version name, and the card as JSON (a starting point per kind; for an app,
 * the recommender's card measured here). Checked in the page with @w3ai/market before it is sent.
 */
import { useState, type FormEvent } from 'react'
import { LICENCES, LISTING_KINDS } from '@w3ai/market/portable'
import type { AccessMode, Listing, ListingDraft, ListingKind, ObjectSummary } from '@w3ai/protocol'
import { newIdempotencyKey } from '../../market/api.js'
import { ACCESS_LABELS } from '../../market/format.js'
import { accessModesFor, CARD_EXAMPLES, draftOf, INITIAL_PUBLISH, withKind, type PublishForm as Form } from '../../market/publish.js'
import { formatBytes, shortCid } from '../storage/format-bytes.js'

interface PublishFormProps {
  /** The account's stored objects; null while loading. */
  objects: ObjectSummary[] | null
  objectsError: string | null
  onPublish: (draft: ListingDraft, key: string) => Promise<Listing>
  onPublished: (listing: Listing) => void
  /** The recommender app's card (template and measured recall@k), made on demand. */
  appCard: () => Promise<object>
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))
const objectLabel = (o: ObjectSummary): string => `${o.name ?? shortCid(o.cid)} (${formatBytes(o.size)})`

export function PublishForm({ objects, objectsError, onPublish, onPublished, appCard }: PublishFormProps) {
  const [form, setForm] = useState<Form>(INITIAL_PUBLISH)
  const [key, setKey] = useState<string | null>(null)
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const set = (patch: Partial<Form>): void => {
    setForm((f) => ({ ...f, ...patch }))
    setKey(null) // another draft now: a new key
    setError(null)
  }

  const example = async (): Promise<void> => {
    if (form.kind !== 'app') return set({ card: JSON.stringify(CARD_EXAMPLES[form.kind], null, 2) })
    setBusy('Measuring the recommender…')
    try {
      set({ card: JSON.stringify(await appCard(), null, 2) })
    } catch (err) {
      setError(messageOf(err))
    } finally {
      setBusy(null)
    }
  }

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    if (busy !== null) return
    let draft: ListingDraft
    try {
      draft = draftOf(form)
    } catch (err) {
      return setError(messageOf(err))
    }
    const k = key ?? newIdempotencyKey()
    setKey(k)
    setBusy('Publishing…')
    setError(null)
    try {
      const listing = await onPublish(draft, k)
      setKey(null)
      setForm(INITIAL_PUBLISH)
      onPublished(listing)
    } catch (err) {
      setError(messageOf(err))
    } finally {
      setBusy(null)
    }
  }

  const mine = objects ?? []
  return (
    <section className="card" data-testid="publish-form">
      <header className="card-head">
        <h2>Publish a listing</h2>
      </header>
      <form className="card-body run-job-form" onSubmit={(e) => void submit(e)}>
        <label>
          Kind
          <select data-testid="publish-kind" value={form.kind} onChange={(e) => setForm((f) => withKind(f, e.target.value as ListingKind))}>
            {LISTING_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Access
          <select data-testid="publish-access" value={form.access} onChange={(e) => set({ access: e.target.value as AccessMode })}>
            {accessModesFor(form.kind).map((a) => (
              <option key={a} value={a}>
                {ACCESS_LABELS[a]}
              </option>
            ))}
          </select>
        </label>
        <label className="wide">
          Title
          <input data-testid="publish-title" value={form.title} maxLength={120} onChange={(e) => set({ title: e.target.value })} placeholder="What you sell, in a few words" />
        </label>
        <label className="wide">
          Description
          <textarea data-testid="publish-description" rows={3} value={form.description} onChange={(e) => set({ description: e.target.value })} placeholder="What it is, where it comes from, how to use it" />
        </label>
        <label>
          Tags
          <input data-testid="publish-tags" value={form.tags} onChange={(e) => set({ tags: e.target.value })} placeholder="shop, purchases" spellCheck={false} />
        </label>
        <label>
          Licence
          <select data-testid="publish-licence" value={form.licence} onChange={(e) => set({ licence: e.target.value })}>
            {LICENCES.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          Price (tokens{form.access === 'per-call' ? ' per call' : form.access === 'compute-only' ? ' per compute job' : ''})
          <input data-testid="publish-price" value={form.price} inputMode="decimal" onChange={(e) => set({ price: e.target.value })} />
        </label>
        <label>
          Version
          <input data-testid="publish-version" value={form.version} onChange={(e) => set({ version: e.target.value })} placeholder="1.0.0" />
        </label>
        <label>
          Stored object
          <select data-testid="publish-object" value={mine.some((o) => o.cid === form.cid) ? form.cid : ''} onChange={(e) => set({ cid: e.target.value })}>
            <option value="">{objects === null ? 'Loading your files…' : mine.length === 0 ? 'No files yet (Storage tab)' : 'Pick one of your files…'}</option>
            {mine.map((o) => (
              <option key={o.cid} value={o.cid}>
                {objectLabel(o)}
              </option>
            ))}
          </select>
        </label>
        <label>
          or its CID
          <input data-testid="publish-cid" value={form.cid} onChange={(e) => set({ cid: e.target.value })} placeholder="bagu…" spellCheck={false} />
        </label>
        <label className="wide">
          <span className="market-card-label">
            Card (JSON{form.kind === 'app' ? ', required: it holds the template' : ''})
            <button type="button" className="link" data-testid="publish-card-example" onClick={() => void example()} disabled={busy !== null}>
              {form.kind === 'app' ? "Use the recommender app's card" : `Start from an example ${form.kind} card`}
            </button>
          </span>
          <textarea data-testid="publish-card" rows={10} value={form.card} onChange={(e) => set({ card: e.target.value })} placeholder={form.kind === 'app' ? '{ "kind": "app", "template": { … } }' : `{ "kind": "${form.kind}", … }`} spellCheck={false} />
        </label>
        {form.access === 'per-call' && form.kind === 'model' && (
          <p className="note" data-testid="publish-per-call-note">
            Buyers call your deployment of this model (Jobs tab, or <code>w3ai model serve</code>): name its id (d_…) in the description, and the listing page fills it in for them.
          </p>
        )}
        <p className="note">
          Buyers see the card and the description before paying; the object stays encrypted. A download is delivered by wrapping its key to the buyer from your side (My sales → Fulfil).
        </p>
        <div className="run-job-actions">
          <button type="submit" className="primary" data-testid="publish-submit" disabled={busy !== null}>
            {busy ?? 'Publish'}
          </button>
        </div>
        {error !== null && (
          <p className="error" data-testid="publish-error">
            {error}
          </p>
        )}
        {objectsError !== null && <p className="error">{objectsError}</p>}
      </form>
    </section>
  )
}
