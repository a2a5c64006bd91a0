/**
 * The publish form's rules, kept apart from React so they are unit-tested: the form as typed (tags
 * as text, the price in tokens, the card as JSON) → the listing draft the hub takes, checked first
 * with @w3ai/market's validateListing (the hub runs the same check), so a bad field is named here
 * before any round trip. The access modes offered follow the kind (ACCESS_BY_KIND).
 */
import { ACCESS_BY_KIND, validateListing } from '@w3ai/market/portable'
import type { AccessMode, ListingDraft, ListingKind } from '@w3ai/protocol'
import { parseTokens } from '../economy/tokens.js'

export interface PublishForm {
  kind: ListingKind
  title: string
  description: string
  /** Comma- or space-separated. */
  tags: string
  licence: string
  access: AccessMode
  /** Tokens, as typed. */
  price: string
  /** The stored object sold (picked from the account's objects or pasted). */
  cid: string
  version: string
  /** The card as JSON; '' for none (models and datasets), required for apps. */
  card: string
}

export const INITIAL_PUBLISH: PublishForm = { kind: 'dataset', title: '', description: '', tags: '', licence: 'CC-BY-4.0', access: 'download', price: '1', cid: '', version: '1.0.0', card: '' }

/** The access modes a kind may be sold by. */
export function accessModesFor(kind: ListingKind): readonly AccessMode[] {
  return ACCESS_BY_KIND[kind]
}

/** The form after the kind changed: the access mode kept when the new kind allows it. */
export function withKind(form: PublishForm, kind: ListingKind): PublishForm {
  const modes = accessModesFor(kind)
  return { ...form, kind, access: modes.includes(form.access) ? form.access : (modes[0] as AccessMode) }
}

/** Tags as typed ("vision, Digits  mnist") → the list (lower case, no repeats). */
export function tagsOf(text: string): string[] {
  const out: string[] = []
  for (const tag of text.split(/[\s,]+/)) {
    const t = tag.trim().toLowerCase()
    if (t !== '' && !out.includes(t)) out.push(t)
  }
  return out
}

/** Starting points for the card's JSON, by kind (the app's comes from the recommender, see app-run.ts). */
export const CARD_EXAMPLES: Readonly<Record<Exclude<ListingKind, 'app'>, object>> = {
  model: {
    kind: 'model',
    intendedUse: 'What the model is for, and for whom.',
    metrics: [{ name: 'accuracy', value: 0.97, dataset: 'held-out 20% of the training data' }],
    limitations: 'Where it fails or should not be used.',
    inputs: [{ name: 'x', type: 'float32', shape: ['batch', 4] }],
    outputs: [{ name: 'y', type: 'float32', shape: ['batch', 3] }],
  },
  dataset: {
    kind: 'dataset',
    schema: [
      { name: 'user', type: 'string' },
      { name: 'item', type: 'string' },
      { name: 'at', type: 'date' },
    ],
    rowCount: 2,
    preview: [
      { user: 'u1', item: 'i42', at: '2026-01-01' },
      { user: 'u2', item: 'i7', at: '2026-01-02' },
    ],
  },
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/** The card typed as JSON, parsed; undefined when left empty. */
export function cardOf(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new Error(`The card is not JSON: ${messageOf(err)}`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('The card is a JSON object, e.g. { "kind": "dataset", … }.')
  return value as Record<string, unknown>
}

/**
 * The draft to publish, normalized as the hub will store it. Throws an Error whose message the
 * form shows (the field's path first, as @w3ai/market names it).
 */
export function draftOf(form: PublishForm): ListingDraft {
  if (form.cid.trim() === '') throw new Error('Pick the stored object you sell (upload it on the Storage tab first).')
  const price = parseTokens(form.price)
  if ('error' in price) throw new Error(`price: ${price.error.replace('Send more than zero tokens.', 'a listing costs more than zero tokens.')}`)
  const card = cardOf(form.card)
  const version = form.version.trim() === '' ? '1.0.0' : form.version.trim()
  let checked: ReturnType<typeof validateListing>
  try {
    checked = validateListing({
      kind: form.kind,
      title: form.title,
      description: form.description,
      tags: tagsOf(form.tags),
      licence: form.licence,
      access: form.access,
      price: price.units.toString(),
      versions: [{ cid: form.cid.trim(), label: version }],
      ...(card === undefined ? {} : { card }),
    })
  } catch (err) {
    throw new Error(messageOf(err))
  }
  const draft: ListingDraft = {
    kind: checked.kind,
    title: checked.title,
    licence: checked.licence,
    access: checked.access,
    price: checked.price,
    cid: form.cid.trim(),
    version,
  }
  if (checked.description !== '') draft.description = checked.description
  if (checked.tags.length > 0) draft.tags = checked.tags
  if (checked.card !== undefined) draft.card = checked.card as unknown as Record<string, unknown>
  return draft
}
