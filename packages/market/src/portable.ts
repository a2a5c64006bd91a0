/**
 * The part of @w3ai/market with no dependency beyond @w3ai/protocol, for the browser dashboard:
 * listing, card, search and app-template checks and their constants. The ONNX reader and writer
 * and the recommender app are in the package's main entry.
 */
export {
  ACCESS_BY_KIND, ACCESS_MODES, appendVersion, checkPrice, LICENCES, licenceOf, LISTING_KINDS, LISTING_LIMITS, MARKET_PRICE_BOUNDS, PRICE_BASIS, TAG_PATTERN, validateListing, validateVersion,
  type AccessMode, type Licence, type ListingDraft, type ListingKind, type ListingVersion,
} from './listing.js'
export {
  CARD_LIMITS, COLUMN_TYPES, TENSOR_ELEMENT_TYPES, validateCard,
  type AppCard, type Card, type Cell, type Column, type ColumnType, type DatasetCard, type Metric, type ModelCard, type ModelSignature, type TensorElementType, type TensorSignature,
} from './card.js'
export { parseSearchQuery, SEARCH_LIMITS, type SearchQuery } from './search.js'
export {
  APP_LIMITS, bindParams, BUILTIN_APPS, PARAM_TYPES, parseParamArgs, RUNNABLE_KINDS, validateTemplate,
  type AppTemplate, type BoundParams, type BuiltinApp, type ParamSpec, type ParamType, type ParamValue, type Runnable, type RunnableKind, type RunnableSpec,
} from './app.js'
export { CID_PATTERN } from './check.js'
