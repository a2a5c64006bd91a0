/**
 * `w3ai market search|show|reviews|publish|buy|orders|order|fulfil|download|close|review|answer`:
 * the marketplace of models, datasets and apps. A listing's content stays encrypted in W3S: a
 * download is delivered by the seller's side (`w3ai market fulfil`, once or --watch) wrapping the
 * object key to the buyer on the seller's machine; the hub only holds wrapped keys. Prices are
 * typed and shown in tokens; --json prints the hub's answers, amounts as strings of units.
 * `w3ai app run` (app.ts) launches an app listing's template.
 */
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline/promises'
import type { Command } from 'commander'
import type { Identity } from '@w3ai/crypto'
import type { FeeParameters } from '@w3ai/ledger'
import { ACCESS_BY_KIND, onnxSignature, validateCard } from '@w3ai/market'
import { MAX_CARD_BYTES, MAX_DESCRIPTION_LENGTH, MAX_TITLE_LENGTH, W3aiError, type AccessMode, type Card, type ListingDraft, type ListingKind, type ListingSummary, type OrderStatus } from '@w3ai/protocol'
import { GovernanceClient, MarketClient, StorageClient, type FulfilOutcome, type HubClient, type KeyRequestOutcome } from '@w3ai/sdk'
import { badArgument, checkCid } from '../args.js'
import { EXIT_FAILURE } from '../constants.js'
import { accountIdentityOf, hubClientOf, type CommonFlags } from '../context.js'
import { createOut, ReportedFailure, table, type Out } from '../output.js'
import { transferReporter } from '../transfer-progress.js'
import { registerAppCommands } from './app.js'
import { withCommon } from './common.js'
import { readJsonObject } from './job-inputs.js'
import {
  checkListingId,
  checkOrderId,
  checkReviewId,
  parseAccess,
  parseCalls,
  parseCount,
  parseDeadline,
  parseIdempotencyKey,
  parseInterval,
  parseKind,
  parseLicence,
  parseMinRating,
  parseOrderLimit,
  parseOrderStatus,
  parsePrice,
  parseRating,
  parseRole,
  parseSearchLimit,
  parseTag,
  parseTags,
  parseTokensFlag,
  parseVersion,
} from './market-args.js'
import {
  describeListing,
  describeMarketQuote,
  describeOrder,
  describeReview,
  keyOutcomeLine,
  keyOutcomeView,
  LISTING_COLUMNS,
  listingRow,
  marketQuote,
  ORDER_COLUMNS,
  orderRow,
  outcomeLine,
  outcomeView,
  type MarketQuote,
} from './market-views.js'
import { checkInputFile, checkOutputFile } from './storage-files.js'
import { listWith, moreNote, type ListFlags } from './paging.js'

/** How often `market fulfil --watch` also asks the hub for pending orders, besides the event stream. */
export const FULFIL_POLL_S = 5

/** The market of the account in the home (identity first: a missing one is the likelier mistake). */
export async function marketOf(flags: CommonFlags): Promise<{ market: MarketClient; hub: HubClient; identity: Identity }> {
  const identity = await accountIdentityOf(flags)
  const hub = await hubClientOf(flags, identity)
  return { market: new MarketClient(hub, identity), hub, identity }
}

/** The market for public reads: no identity needed. */
export async function publicMarketOf(flags: CommonFlags): Promise<MarketClient> {
  return new MarketClient(await hubClientOf(flags))
}

/** The governed fee split now (GET /v1/parameters), which settles every market order. */
export async function feesOf(hub: HubClient): Promise<FeeParameters> {
  const p = new Map((await new GovernanceClient(hub).parameters()).map((x) => [x.name, Number(x.value)]))
  return { feeRateBps: p.get('feeRateBps') ?? 0, treasuryShareBps: p.get('treasuryShareBps') ?? 0, burnShareBps: p.get('burnShareBps') ?? 0 }
}

interface SearchFlags extends CommonFlags {
  kind?: ListingKind
  access?: AccessMode
  tag?: string
  licence?: string
  seller?: string
  minPrice?: bigint
  maxPrice?: bigint
  minRating?: number
  limit?: number
  cursor?: string
  all?: boolean
}

async function search(q: string | undefined, flags: SearchFlags): Promise<void> {
  const out = createOut(flags.json === true)
  if (q !== undefined && q.length > 200) throw badArgument('Q', `${q.slice(0, 40)}…`, 'at most 200 characters')
  if (flags.minPrice !== undefined && flags.maxPrice !== undefined && flags.minPrice > flags.maxPrice) throw new W3aiError('MARKET_INVALID_QUERY', '--min-price is above --max-price.', { field: 'minPrice' })
  const market = await publicMarketOf(flags)
  const query = {
    ...(q === undefined || q.trim() === '' ? {} : { q }),
    ...(flags.kind === undefined ? {} : { kind: flags.kind }),
    ...(flags.access === undefined ? {} : { access: flags.access }),
    ...(flags.tag === undefined ? {} : { tag: flags.tag }),
    ...(flags.licence === undefined ? {} : { licence: flags.licence }),
    ...(flags.seller === undefined ? {} : { seller: flags.seller }),
    ...(flags.minPrice === undefined ? {} : { minPrice: flags.minPrice }),
    ...(flags.maxPrice === undefined ? {} : { maxPrice: flags.maxPrice }),
    ...(flags.minRating === undefined ? {} : { minRating: flags.minRating }),
    ...(flags.limit === undefined ? {} : { limit: flags.limit }),
    ...(flags.cursor === undefined ? {} : { cursor: flags.cursor }),
  }
  let listings: ListingSummary[]
  let nextCursor: string | null
  if (flags.all === true) {
    listings = []
    for await (const l of market.searchAll(query)) listings.push(l)
    nextCursor = null
  } else {
    const page = await market.search(query)
    listings = [...page]
    nextCursor = page.nextCursor
  }
  out.result({ listings, nextCursor }, () => (listings.length === 0 ? 'no listings found' : table(LISTING_COLUMNS, listings.map(listingRow))))
  if (nextCursor !== null && !out.json) process.stderr.write(`more listings: add --cursor ${nextCursor} for the next page, or --all for every one\n`)
}

interface PublishFlags extends CommonFlags {
  kind: ListingKind
  title: string
  licence: string
  access: AccessMode
  price: bigint
  cid?: string
  file?: string
  tags?: string[]
  description?: string
  card?: string
  model?: string
  intendedUse?: string
  versionName?: string
  idempotencyKey?: string
}

/** The card to publish, checked with @w3ai/market's rules: --card, with --model's ONNX signature as the inputs and outputs. */
async function cardOf(flags: PublishFlags): Promise<Card | undefined> {
  let card: Record<string, unknown> | undefined = flags.card === undefined ? undefined : await readJsonObject(flags.card, '--card')
  if (flags.model !== undefined) {
    if (flags.kind !== 'model') throw new W3aiError('CLI_BAD_ARGUMENT', `--model derives a model card; this listing is a ${flags.kind}.`)
    await checkInputFile(flags.model)
    const signature = onnxSignature(await readFile(flags.model))
    card = { kind: 'model', intendedUse: flags.intendedUse ?? (flags.description || flags.title), metrics: [], limitations: '', ...card, inputs: signature.inputs, outputs: signature.outputs }
  }
  if (card === undefined) {
    if (flags.kind === 'app') throw new W3aiError('MARKET_INVALID_LISTING', 'card: an app needs a card with its template; pass --card card.json.', { field: 'card' })
    return undefined
  }
  const checked = validateCard(card, flags.kind)
  if (Buffer.byteLength(JSON.stringify(checked)) > MAX_CARD_BYTES) throw new W3aiError('MARKET_INVALID_CARD', `card: more than ${MAX_CARD_BYTES} bytes of JSON.`, { field: 'card' })
  return checked as unknown as Card
}

async function publish(flags: PublishFlags): Promise<void> {
  const out = createOut(flags.json === true)
  if ((flags.cid === undefined) === (flags.file === undefined)) throw new W3aiError('CLI_BAD_ARGUMENT', 'Name what the listing sells: --cid CID of a stored object, or --file PATH to store first (one of them).')
  if (!ACCESS_BY_KIND[flags.kind].includes(flags.access)) {
    throw new W3aiError('MARKET_INVALID_LISTING', `access: a ${flags.kind} is sold by ${ACCESS_BY_KIND[flags.kind].join(' or ')}, not ${flags.access}.`, { field: 'access' })
  }
  const title = flags.title.trim()
  if (title.length < 1 || title.length > MAX_TITLE_LENGTH) throw badArgument('--title', flags.title.slice(0, 40), `1 to ${MAX_TITLE_LENGTH} characters`)
  if (flags.description !== undefined && flags.description.length > MAX_DESCRIPTION_LENGTH) throw badArgument('--description', `${flags.description.slice(0, 40)}…`, `at most ${MAX_DESCRIPTION_LENGTH} characters`)
  const card = await cardOf(flags)
  if (flags.file !== undefined) await checkInputFile(flags.file)
  const { market, hub, identity } = await marketOf(flags)
  let cid = flags.cid
  if (flags.file !== undefined) {
    const reporter = transferReporter({ quiet: out.json })
    try {
      cid = (await new StorageClient(hub, identity).putFile(flags.file, { onProgress: reporter.onProgress })).cid
    } finally {
      reporter.done()
    }
    out.note(`stored ${flags.file} as ${cid}`)
  }
  const draft: ListingDraft = {
    kind: flags.kind,
    title,
    licence: flags.licence,
    access: flags.access,
    price: flags.price.toString(),
    cid: cid as string,
    ...(flags.description === undefined ? {} : { description: flags.description }),
    ...(flags.tags === undefined ? {} : { tags: flags.tags }),
    ...(flags.versionName === undefined ? {} : { version: flags.versionName }),
    ...(card === undefined ? {} : { card }),
  }
  const listing = await market.publish(draft, flags.idempotencyKey === undefined ? {} : { idempotencyKey: flags.idempotencyKey })
  out.result(listing, () => `published ${listing.id}\n${describeListing(listing)}`)
}

/** Asks on the terminal; anything but y/yes is no. */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

interface BuyFlags extends CommonFlags {
  calls?: number
  deadline?: number
  yes?: boolean
  idempotencyKey?: string
}

async function buy(id: string, flags: BuyFlags): Promise<void> {
  const out = createOut(flags.json === true)
  const { market, hub, identity } = await marketOf(flags)
  const listing = await market.get(id)
  if (listing.access === 'per-call' && flags.calls === undefined) throw new W3aiError('CLI_BAD_ARGUMENT', `${id} is sold per call: name the calls to prepay with --calls N (N × ${listing.price} units are held).`)
  if (listing.access !== 'per-call' && flags.calls !== undefined) throw new W3aiError('CLI_BAD_ARGUMENT', `${id} is a ${listing.access} listing, bought once: --calls is for per-call listings.`)
  const quote = marketQuote(listing, flags.calls, await feesOf(hub))
  let go = flags.yes === true
  if (!go && !out.json && process.stdin.isTTY === true && process.stderr.isTTY === true) {
    process.stderr.write(describeMarketQuote(quote) + '\n')
    go = await confirm('buy? [y/N] ')
  }
  if (!go) {
    out.result({ quote, order: null }, () => `${describeMarketQuote(quote)}\nnothing bought: run again with --yes to buy`)
    return
  }
  out.note(describeMarketQuote(quote))
  const order = await market.buy(id, {
    ...(flags.calls === undefined ? {} : { calls: flags.calls }),
    ...(flags.deadline === undefined ? {} : { deadlineMs: flags.deadline }),
    ...(flags.idempotencyKey === undefined ? {} : { idempotencyKey: flags.idempotencyKey }),
  })
  out.result({ quote, order } satisfies { quote: MarketQuote; order: unknown }, () => `bought: order ${order.id}\n${describeOrder(order, identity.id)}`)
}

interface FulfilFlags extends CommonFlags {
  watch?: boolean
  count?: number
  interval?: number
}

/** What `market fulfil` did: downloads fulfilled and compute-only jobs keyed, each or why not. */
interface FulfilReport {
  orders: FulfilOutcome[]
  keyRequests: KeyRequestOutcome[]
}

/**
 * The seller's side: fulfils pending download orders and answers the key requests of buyers' jobs
 * on compute-only sales (the data key wrapped here to each job's nodes), once, or with --watch as
 * they come (the event stream, and a poll every --interval seconds: a buyer's job sends no event to
 * the seller) until --count are done or the process is stopped (Ctrl-C).
 */
async function fulfil(orderId: string | undefined, flags: FulfilFlags): Promise<void> {
  const out = createOut(flags.json === true)
  if (orderId !== undefined && flags.watch === true) throw new W3aiError('CLI_BAD_ARGUMENT', '--watch fulfils every pending order as it comes; name no ORDER with it.')
  const { market, identity } = await marketOf(flags)
  if (orderId !== undefined) {
    const order = await market.fulfil(orderId)
    out.result(order, () => `fulfilled ${order.id}\n${describeOrder(order, identity.id)}`)
    return
  }
  const report: FulfilReport =
    flags.watch === true
      ? await watchFulfil(market, identity.id, flags, out)
      : await market.fulfilAll({ onOrder: (o) => out.note(outcomeLine(o)), onRequest: (o) => out.note(keyOutcomeLine(o)) })
  out.result([...report.orders.map(outcomeView), ...report.keyRequests.map(keyOutcomeView)], () => {
    const done = report.orders.filter((o) => o.order !== undefined).length
    const keyed = report.keyRequests.filter((o) => o.job !== undefined).length
    if (report.orders.length + report.keyRequests.length === 0) return 'no pending download orders and no key requests'
    return `${done} of ${report.orders.length} order(s) fulfilled, ${keyed} of ${report.keyRequests.length} job(s) keyed`
  })
  if (report.orders.some((o) => o.error !== undefined) || report.keyRequests.some((o) => o.error !== undefined)) throw new ReportedFailure(EXIT_FAILURE)
}

async function watchFulfil(market: MarketClient, me: string, flags: FulfilFlags, out: Out): Promise<FulfilReport> {
  const report: FulfilReport = { orders: [], keyRequests: [] }
  const failed = new Map<string, string>()
  const keyed = new Set<string>()
  let done = 0
  let stop!: () => void
  const stopped = new Promise<void>((resolve) => (stop = resolve))
  let ended = false
  const end = (): void => {
    ended = true
    stop()
  }
  let running: Promise<void> | undefined
  let again = false
  /** Says an error once per order or job (one past its deadline stays listed until the hub refunds it). */
  const repeated = (id: string, error: W3aiError | undefined): boolean => {
    if (error === undefined) return false
    if (failed.get(id) === error.code) return true
    failed.set(id, error.code)
    return false
  }
  const counted = (): void => {
    done++
    if (flags.count !== undefined && done >= flags.count) end()
  }
  const onOrder = (o: FulfilOutcome): void => {
    if (repeated(o.orderId, o.error)) return
    report.orders.push(o)
    out.note(outcomeLine(o))
    if (o.error === undefined) counted()
  }
  const onRequest = (o: KeyRequestOutcome): void => {
    // A job keyed already may wait for its buyer's own keys meanwhile, and is listed again: said once.
    if (o.error === undefined && keyed.has(o.jobId)) return
    if (repeated(o.jobId, o.error)) return
    report.keyRequests.push(o)
    out.note(keyOutcomeLine(o))
    if (o.error === undefined) {
      keyed.add(o.jobId)
      counted()
    }
  }
  const round = (): Promise<void> => {
    if (ended) return Promise.resolve()
    if (running !== undefined) {
      again = true
      return running
    }
    running = (async () => {
      do {
        again = false
        try {
          await market.fulfilAll({ onOrder, onRequest })
        } catch (err) {
          out.note(`could not list pending orders or key requests: ${err instanceof W3aiError ? `${err.code}: ` : ''}${err instanceof Error ? err.message : String(err)}; trying again`)
        }
      } while (again && !ended)
    })().finally(() => {
      running = undefined
    })
    return running
  }
  const unfollow = market.follow((e) => {
    if (e.seller === me && (e.status === 'pending' || e.status === 'active')) void round()
  }, { onOpen: () => void round() })
  const timer = setInterval(() => void round(), (flags.interval ?? FULFIL_POLL_S) * 1000)
  process.once('SIGINT', end)
  process.once('SIGTERM', end)
  out.note(`watching for download orders to fulfil and compute-only jobs to key as ${me}${flags.count === undefined ? ' (Ctrl-C stops)' : `, until ${flags.count} are done`}`)
  try {
    await round()
    await stopped
    await running
  } finally {
    clearInterval(timer)
    unfollow()
    process.off('SIGINT', end)
    process.off('SIGTERM', end)
  }
  return report
}

export function registerMarketCommands(program: Command): void {
  const market = program.command('market').description('the marketplace: find, publish, buy and review models, datasets and apps (prices in tokens; content stays encrypted in W3S)')

  withCommon(market.command('search'))
    .description('find listings: with Q best match first (full text over title, tags and description), else newest first; one page (--limit, --cursor) or --all (--json: {listings, nextCursor})')
    .argument('[q]', 'words to find ("a phrase", -not and or work as in web search)')
    .option('--kind <kind>', 'model, dataset or app', parseKind)
    .option('--access <mode>', 'download, compute-only or per-call', parseAccess)
    .option('--tag <tag>', 'listings with this tag', parseTag)
    .option('--licence <licence>', 'listings under this licence (an SPDX id such as MIT, CC-BY-4.0, or proprietary)', parseLicence)
    .option('--seller <account>', "one seller's listings (an account id)", (v: string) => {
      if (!/^a_[0-9a-f]{20}$/.test(v)) throw badArgument('--seller', v, 'an account id like a_0123456789abcdef0123')
      return v
    })
    .option('--min-price <tokens>', 'lowest price, in tokens', parseTokensFlag('--min-price', true))
    .option('--max-price <tokens>', 'highest price, in tokens', parseTokensFlag('--max-price', true))
    .option('--min-rating <r>', 'lowest mean rating, 0..5 (unrated listings count as 0)', parseMinRating)
    .option('--limit <n>', 'listings per page, 1..100 (default 20)', parseSearchLimit)
    .option('--cursor <cursor>', "the page after the one that printed this cursor")
    .option('--all', 'every listing found, fetching page after page')
    .action((q: string | undefined, flags: SearchFlags) => search(q, flags))

  withCommon(market.command('show'))
    .description('a listing: price, seller, licence, versions, its card, rating and latest reviews (--json: the listing)')
    .argument('<listing>', 'the listing id (l_…)')
    .action(async (id: string, flags: CommonFlags) => {
      checkListingId(id)
      const client = await publicMarketOf(flags)
      const listing = await client.get(id)
      const out = createOut(flags.json === true)
      if (out.json) return out.result(listing, () => '')
      const reviews = await client.reviews(id, { limit: 5 })
      out.result(listing, () => describeListing(listing, reviews))
    })

  withCommon(market.command('reviews'))
    .description("a listing's reviews, newest first (--json: an array)")
    .argument('<listing>', 'the listing id (l_…)')
    .option('--limit <n>', 'how many, 1..500 (default 100)', parseOrderLimit)
    .option('--all', 'every review')
    .action(async (id: string, flags: CommonFlags & ListFlags) => {
      checkListingId(id)
      const client = await publicMarketOf(flags)
      const listed = await listWith(flags, { list: (q) => client.reviews(id, q), all: (q) => client.allReviews(id, q) })
      createOut(flags.json === true).result(listed.items, () => (listed.items.length === 0 ? 'no reviews' : listed.items.map(describeReview).join('\n')))
      moreNote(listed, 'reviews', `w3ai market reviews ${id}`)
    })

  withCommon(market.command('publish'))
    .description('list a stored object (--cid) or a file stored first (--file) for sale; the object stays encrypted, buyers get its key only from your side (`w3ai market fulfil`) (--json: the listing)')
    .requiredOption('--kind <kind>', 'model, dataset or app', parseKind)
    .requiredOption('--title <title>', `1 to ${MAX_TITLE_LENGTH} characters`)
    .requiredOption('--licence <licence>', 'an SPDX id such as MIT, Apache-2.0, CC-BY-4.0, or proprietary', parseLicence)
    .requiredOption('--access <mode>', 'download (a model, dataset or app), compute-only (a dataset) or per-call (a model or app)', parseAccess)
    .requiredOption('--price <tokens>', 'tokens: for the whole download, per compute job, or per call (0.000001 to 1000000)', parsePrice)
    .option('--cid <cid>', 'a stored object you can read (yours, or shared with you)', checkCid)
    .option('--file <path>', 'a file to store in W3S first (encrypted on this machine), then list')
    .option('--tags <a,b>', 'up to 10 tags, comma separated', parseTags)
    .option('--description <text>', `up to ${MAX_DESCRIPTION_LENGTH} characters`)
    .option('--card <file>', 'the card as JSON: a model (intendedUse, metrics, limitations, inputs, outputs), a dataset (schema, rowCount, preview) or an app (template)')
    .option('--model <file>', "an ONNX model whose signature becomes the model card's inputs and outputs")
    .option('--intended-use <text>', 'with --model and no card: the intended use (default: the description, else the title)')
    .option('--version-name <name>', "the first version's name (default 1.0.0); --version is the CLI's own", parseVersion)
    .option('--idempotency-key <key>', 'publishing again with this key answers the first listing (default: a fresh one)', parseIdempotencyKey)
    .action((flags: PublishFlags) => publish(flags))

  withCommon(market.command('buy'))
    .description('buy a listing: prints the price and the fee split, then with --yes (or a yes on the terminal) holds it in escrow (--json: {quote, order}; order null when nothing was bought)')
    .argument('<listing>', 'the listing id (l_…)', checkListingId)
    .option('--calls <n>', 'per-call listings: the calls to prepay, 1..1000000', parseCalls)
    .option('--deadline <seconds>', 'how long the seller has to deliver a download (default 1 day), or the allowance stays open (default 30 days)', parseDeadline)
    .option('--yes', 'buy without asking')
    .option('--idempotency-key <key>', 'buying again with this key answers the first order, nothing held twice (default: a fresh one)', parseIdempotencyKey)
    .action((id: string, flags: BuyFlags) => buy(id, flags))

  withCommon(market.command('orders'))
    .description('your purchases (--role buyer, the default) or sales (--role seller), newest first (--json: an array)')
    .option('--role <role>', 'buyer or seller', parseRole)
    .option('--status <status>', 'pending, fulfilled, refunded, active or exhausted', parseOrderStatus)
    .option('--limit <n>', 'how many, 1..500 (default 100)', parseOrderLimit)
    .option('--all', 'every one, fetching page after page')
    .action(async (flags: CommonFlags & ListFlags & { role?: 'buyer' | 'seller'; status?: OrderStatus }) => {
      const { market: client } = await marketOf(flags)
      const filter = { ...(flags.role === undefined ? {} : { role: flags.role }), ...(flags.status === undefined ? {} : { status: flags.status }) }
      const listed = await listWith(flags, { list: (q) => client.orders({ ...filter, ...q }), all: (q) => client.allOrders({ ...filter, ...q }) })
      createOut(flags.json === true).result(listed.items, () => (listed.items.length === 0 ? 'no orders' : table(ORDER_COLUMNS, listed.items.map(orderRow))))
      moreNote(listed, 'orders', 'w3ai market orders')
    })

  withCommon(market.command('order'))
    .description('one of your orders, as buyer or seller: status, what was held and paid, the deadline, the next step')
    .argument('<order>', 'the order id (o_…)', checkOrderId)
    .action(async (id: string, flags: CommonFlags) => {
      const { market: client, identity } = await marketOf(flags)
      const order = await client.order(id)
      createOut(flags.json === true).result(order, () => describeOrder(order, identity.id))
    })

  withCommon(market.command('fulfil'))
    .description("the seller's side: wraps each pending download's object key to its buyer, and the data key of each compute-only sale to the nodes of the buyer's job (never to the buyer), on this machine; ORDER alone, everything pending once, or --watch to keep going as they come (--json: the order, or an array of outcomes, kind download or compute)")
    .argument('[order]', 'one download order id (o_…); default: every pending download order and key request of your sales', checkOrderId)
    .option('--watch', 'keep running: fulfil orders and key jobs as they arrive (event stream, and a poll every --interval seconds) until Ctrl-C or --count')
    .option('--count <n>', 'with --watch, stop after fulfilling or keying N', parseCount)
    .option('--interval <seconds>', `with --watch, how often to also ask the hub (default ${FULFIL_POLL_S})`, parseInterval)
    .action((id: string | undefined, flags: FulfilFlags) => fulfil(id, flags))

  withCommon(market.command('download'))
    .description('download, verify and decrypt a fulfilled purchase into a file (the same as `w3ai storage get` of its object)')
    .argument('<order>', 'the order id (o_…)', checkOrderId)
    .requiredOption('-o, --output <file>', 'where to write it; the file appears only once every byte verified')
    .action(async (id: string, flags: CommonFlags & { output: string }) => {
      const out = createOut(flags.json === true)
      await checkOutputFile(flags.output)
      const { market: client } = await marketOf(flags)
      const reporter = transferReporter({ quiet: out.json })
      let summary
      try {
        summary = await client.downloadToFile(id, flags.output, { onProgress: reporter.onProgress })
      } finally {
        reporter.done()
      }
      out.result({ orderId: id, cid: summary.cid, size: summary.size, path: flags.output }, () => `saved ${summary.size} bytes of ${summary.cid} to ${flags.output}`)
    })

  withCommon(market.command('close'))
    .description('close your per-call allowance: the seller is paid for the calls used, the rest comes back (--json: the order)')
    .argument('<order>', 'the order id (o_…)', checkOrderId)
    .action(async (id: string, flags: CommonFlags) => {
      const { market: client, identity } = await marketOf(flags)
      const order = await client.close(id)
      createOut(flags.json === true).result(order, () => `closed ${order.id}\n${describeOrder(order, identity.id)}`)
    })

  withCommon(market.command('review'))
    .description('review a purchase of yours, once (delivered: fulfilled, active or exhausted); --edit REVIEW changes it (--json: the review)')
    .argument('[order]', 'the order id (o_…)')
    .requiredOption('--rating <n>', 'stars, 1..5', parseRating)
    .option('--text <text>', 'what you found (up to 2000 characters)')
    .option('--edit <review>', 'change your review with this id instead (r_…)', checkReviewId)
    .action(async (id: string | undefined, flags: CommonFlags & { rating: number; text?: string; edit?: string }) => {
      if ((id === undefined) === (flags.edit === undefined)) throw new W3aiError('CLI_BAD_ARGUMENT', 'Name the ORDER to review, or --edit REVIEW to change your review (one of them).')
      if (id !== undefined) checkOrderId(id)
      if (flags.text !== undefined && flags.text.length > 2000) throw badArgument('--text', `${flags.text.slice(0, 40)}…`, 'at most 2000 characters')
      const { market: client } = await marketOf(flags)
      const body = { rating: flags.rating, ...(flags.text === undefined ? {} : { text: flags.text }) }
      const review = flags.edit !== undefined ? await client.editReview(flags.edit, body) : await client.review(id as string, body)
      createOut(flags.json === true).result(review, () => `${flags.edit === undefined ? 'reviewed' : 'changed review'} ${review.id}\n${describeReview(review)}`)
    })

  withCommon(market.command('answer'))
    .description("answer a review of your listing (answering again replaces the answer) (--json: the review)")
    .argument('<review>', 'the review id (r_…)', checkReviewId)
    .requiredOption('--text <text>', 'your answer (1 to 2000 characters)')
    .action(async (id: string, flags: CommonFlags & { text: string }) => {
      if (flags.text.length < 1 || flags.text.length > 2000) throw badArgument('--text', flags.text.slice(0, 40), '1 to 2000 characters')
      const { market: client } = await marketOf(flags)
      const review = await client.answer(id, flags.text)
      createOut(flags.json === true).result(review, () => `answered ${review.id}\n${describeReview(review)}`)
    })

  registerAppCommands(program)
}
