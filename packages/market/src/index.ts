/**
 * @w3ai/market: the marketplace's pure domain logic, with no I/O. The hub's market domain, the SDK,
 * the CLI and the dashboard share it; the wire types are @w3ai/protocol's market contracts.
 *
 * - Listings (`validateListing`): a model, dataset or app with title, description, tags, licence,
 *   an access mode its kind allows (ACCESS_BY_KIND), a price in units within MARKET_PRICE_BOUNDS
 *   and its versions by CID.
 * - Cards (`validateCard`): model (intended use, metrics, limitations, the ONNX signature read by
 *   `onnxSignature`), dataset (schema, row count, a preview of at most 20 rows), app (its template).
 * - Search requests (`parseSearchQuery`): text and filters checked and normalized; the SQL is the
 *   hub store's.
 * - Apps (`validateTemplate`, `parseParamArgs`, `bindParams`): runnable templates with typed params.
 * - The recommender app (`runRecommenderApp`): item-to-item recommendations for a shop, with a
 *   seeded shop generator, recall@k against the popularity baseline, and an ONNX model to serve.
 *
 * Refusals are W3aiErrors: MARKET_INVALID_LISTING, MARKET_PRICE_OUT_OF_BOUNDS, MARKET_INVALID_CARD,
 * MARKET_INVALID_QUERY (INVALID_CURSOR for a malformed cursor), MARKET_INVALID_PARAM, MARKET_VERSION_EXISTS,
 * COMPUTE_MODEL_INVALID (not ONNX) and COMPUTE_BAD_DATASET (an unreadable purchase history).
 * The browser-safe part (no onnx-proto) is also at `@w3ai/market/portable`.
 *
 * ```ts
 * const draft = validateListing({
 *   kind: 'model', title: 'Digits classifier', tags: ['vision'], licence: 'MIT', access: 'per-call',
 *   price: '1000000000000000', versions: [{ cid, label: '1.0.0' }],
 *   card: { kind: 'model', intendedUse: 'Digits 0-9 from 8x8 images', metrics: [], ...onnxSignature(bytes) },
 * })
 * const template = validateTemplate(appCard.template)
 * const params = bindParams(template, parseParamArgs(['seed=2', 'k=10']))   // { seed: 2, k: 10, … }
 * const { onnx, report, card } = runRecommenderApp(params)                 // report.recall vs report.baselineRecall
 * ```
 */
export * from './portable.js'
export { matMulModel, ONNX_OPSET, onnxSignature, type MatMulModel } from './onnx.js'
export * from './recommender/index.js'
