/**
 * A listing draft as a seller publishes it: what is sold (a model, a dataset or an app), how it is
 * described and found (title, description, tags, licence), how it is sold (access mode and price)
 * and what exactly (its versions, each a W3S object by CID). `validateListing` checks a draft from
 * the wire and returns it normalized; the hub stores what it returns.
 *
 * Access modes by kind (ACCESS_BY_KIND):
 * - model: `download` (the buyer gets the weights' key) or `per-call` (a served model, billed per
 *   inference). Compute-only does not fit: a model run where it lies is what per-call already is.
 * - dataset: `download` or `compute-only` (the buyer's job runs where the data is; only results
 *   leave). Per-call has no meaning for data.
 * - app: `download` (bought once, launched as often as wanted) or `per-call` (each launch billed).
 *   An app's template is public on its card; what is sold is the right to run it and its objects.
 *
 * The price is in token units (1 token = 10^18 units) as a decimal string, and its basis follows the
 * access mode (PRICE_BASIS): once for a download, per compute job, per call.
 */
import { ACCESS_MODES, LISTING_KINDS, W3aiError, type AccessMode, type ListingKind } from '@w3ai/protocol'
import { validateCard, type Card } from './card.js'
import { array, cid, fail, object, oneOf, text } from './check.js'

// The kinds and access modes are the wire's (@w3ai/protocol's market contracts).
export { ACCESS_MODES, LISTING_KINDS, type AccessMode, type ListingKind }

/** The access modes each kind may be sold under (see the module comment for why). */
export const ACCESS_BY_KIND: Readonly<Record<ListingKind, readonly AccessMode[]>> = {
  model: ['download', 'per-call'],
  dataset: ['download', 'compute-only'],
  app: ['download', 'per-call'],
}

/** What one price buys, by access mode. */
export const PRICE_BASIS: Readonly<Record<AccessMode, 'once' | 'per-job' | 'per-call'>> = {
  download: 'once',
  'compute-only': 'per-job',
  'per-call': 'per-call',
}

/**
 * The prices a listing may ask, in units, inclusive: from 10^-6 token (so a governed fee in basis
 * points never rounds to nothing) to 10^6 tokens.
 */
export const MARKET_PRICE_BOUNDS: Readonly<{ min: bigint; max: bigint }> = Object.freeze({ min: 10n ** 12n, max: 10n ** 24n })

/**
 * Licences a listing may name: SPDX ids of the licences models, datasets and apps commonly ship
 * under, plus `proprietary` (the seller's own terms). Matched case-insensitively, stored as here.
 */
export const LICENCES = [
  'Apache-2.0', 'MIT', 'BSD-2-Clause', 'BSD-3-Clause', 'ISC', 'MPL-2.0',
  'GPL-2.0-only', 'GPL-3.0-only', 'LGPL-3.0-only', 'AGPL-3.0-only',
  'CC0-1.0', 'CC-BY-4.0', 'CC-BY-SA-4.0', 'CC-BY-NC-4.0', 'CC-BY-NC-SA-4.0', 'CC-BY-ND-4.0',
  'ODbL-1.0', 'ODC-By-1.0', 'PDDL-1.0', 'CDLA-Permissive-2.0', 'CDLA-Sharing-1.0',
  'OpenRAIL', 'CreativeML-OpenRAIL-M', 'Unlicense', 'proprietary',
] as const
export type Licence = (typeof LICENCES)[number]

export const LISTING_LIMITS = { title: 120, description: 4000, tags: 10, versions: 100, versionLabel: 32, versionNotes: 1000 } as const

export const TAG_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/
const VERSION_LABEL = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$/
const UNITS = /^\d{1,40}$/

/** One published version of what a listing sells: a W3S object the seller can read. */
export interface ListingVersion {
  /** The object's CID (its manifest CID). */
  cid: string
  /** The seller's name for it (e.g. "1.2.0"); unique within the listing. */
  label: string
  notes?: string
}

export interface ListingDraft {
  kind: ListingKind
  title: string
  description: string
  tags: string[]
  licence: Licence
  access: AccessMode
  /** Units as a canonical decimal string (no leading zeros), within MARKET_PRICE_BOUNDS. */
  price: string
  /** Oldest first; the last is the current version. */
  versions: ListingVersion[]
  /** Required for apps (it holds the template); models and datasets should have one. */
  card?: Card
}

const LISTING_FIELDS = ['kind', 'title', 'description', 'tags', 'licence', 'access', 'price', 'versions', 'card']

/** The licence `value` names (any case), in its canonical spelling, or undefined. */
export function licenceOf(value: unknown): Licence | undefined {
  if (typeof value !== 'string') return undefined
  const lower = value.toLowerCase()
  return LICENCES.find((l) => l.toLowerCase() === lower)
}

/**
 * A price (units as a decimal string) → units. A malformed price is MARKET_INVALID_LISTING; one
 * outside MARKET_PRICE_BOUNDS is MARKET_PRICE_OUT_OF_BOUNDS with the bounds in details.
 */
export function checkPrice(value: unknown, field = 'price'): bigint {
  if (typeof value !== 'string' || !UNITS.test(value)) fail('MARKET_INVALID_LISTING', field, 'must be a whole number of units as a decimal string (1 token = 10^18 units)')
  const units = BigInt(value)
  const { min, max } = MARKET_PRICE_BOUNDS
  if (units < min || units > max) {
    throw new W3aiError('MARKET_PRICE_OUT_OF_BOUNDS', `${field}: ${units} units is outside ${min}..${max} units`, { field, price: units.toString(), min: min.toString(), max: max.toString() })
  }
  return units
}

/** Checks one version entry. */
export function validateVersion(value: unknown, field = 'version'): ListingVersion {
  const v = object('MARKET_INVALID_LISTING', field, value, ['cid', 'label', 'notes'])
  const out: ListingVersion = { cid: cid('MARKET_INVALID_LISTING', `${field}.cid`, v.cid), label: '' }
  if (typeof v.label !== 'string' || !VERSION_LABEL.test(v.label)) fail('MARKET_INVALID_LISTING', `${field}.label`, `must match ${VERSION_LABEL.source}`)
  out.label = v.label
  if (v.notes !== undefined) out.notes = text('MARKET_INVALID_LISTING', `${field}.notes`, v.notes, { max: LISTING_LIMITS.versionNotes, multiline: true })
  return out
}

/** A version history with `next` appended; its CID must be new (MARKET_INVALID_LISTING), its label too (MARKET_VERSION_EXISTS). */
export function appendVersion(versions: readonly ListingVersion[], next: unknown): ListingVersion[] {
  const field = `versions[${versions.length}]`
  if (versions.length >= LISTING_LIMITS.versions) fail('MARKET_INVALID_LISTING', 'versions', `a listing holds at most ${LISTING_LIMITS.versions} versions`)
  const version = validateVersion(next, field)
  const same = versions.find((v) => v.cid === version.cid)
  if (same) fail('MARKET_INVALID_LISTING', `${field}.cid`, `is already version ${same.label} of this listing`)
  // The code the hub answers when a seller adds a version under a name the listing has.
  if (versions.some((v) => v.label === version.label)) fail('MARKET_VERSION_EXISTS', `${field}.label`, `${version.label} is already a version of this listing`)
  return [...versions, version]
}

function tags(value: unknown): string[] {
  const out: string[] = []
  array('MARKET_INVALID_LISTING', 'tags', value ?? [], LISTING_LIMITS.tags).forEach((tag, i) => {
    if (typeof tag !== 'string' || !TAG_PATTERN.test(tag)) fail('MARKET_INVALID_LISTING', `tags[${i}]`, `must match ${TAG_PATTERN.source} (lower case, digits and -)`)
    if (!out.includes(tag)) out.push(tag)
  })
  return out
}

/** Checks a listing draft from the wire; returns it normalized, or throws naming the first bad field. */
export function validateListing(value: unknown): ListingDraft {
  const d = object('MARKET_INVALID_LISTING', 'listing', value, LISTING_FIELDS)
  const kind = oneOf('MARKET_INVALID_LISTING', 'kind', d.kind, LISTING_KINDS)
  const title = text('MARKET_INVALID_LISTING', 'title', typeof d.title === 'string' ? d.title.trim() : d.title, { min: 1, max: LISTING_LIMITS.title })
  const description = text('MARKET_INVALID_LISTING', 'description', d.description ?? '', { max: LISTING_LIMITS.description, multiline: true })
  const licence = licenceOf(d.licence) ?? fail('MARKET_INVALID_LISTING', 'licence', `must be one of ${LICENCES.join(', ')}`)
  const access = oneOf('MARKET_INVALID_LISTING', 'access', d.access, ACCESS_MODES)
  if (!ACCESS_BY_KIND[kind].includes(access)) fail('MARKET_INVALID_LISTING', 'access', `a ${kind} is sold by ${ACCESS_BY_KIND[kind].join(' or ')}, not ${access}`)
  const price = checkPrice(d.price).toString()
  let versions: ListingVersion[] = []
  for (const v of array('MARKET_INVALID_LISTING', 'versions', d.versions, LISTING_LIMITS.versions, 1)) versions = appendVersion(versions, v)
  const draft: ListingDraft = { kind, title, description, tags: tags(d.tags), licence, access, price, versions }
  if (d.card !== undefined) draft.card = validateCard(d.card, kind)
  else if (kind === 'app') fail('MARKET_INVALID_LISTING', 'card', 'an app needs a card with its template')
  return draft
}
