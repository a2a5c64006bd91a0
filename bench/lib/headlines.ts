/**
 * The figures each benchmark is judged by, read from its bench/results/NAME.json: what was
 * measured, the baseline measured in the same run, and the target where an issue set one. The
 * results README (bench/lib/render.ts) is made of these. A field a result lacks (an older run, a
 * skipped part) drops that headline rather than failing the render.
 */

export interface Headline {
  metric: string
  unit: string
  value: number
  /** The same-run baseline: what `value` is compared with. */
  baseline?: { name: string; value: number }
  /** Which way is better, for the chart and for ratios. */
  better: 'higher' | 'lower'
  /** A target on `value`, or on `value / baseline` when `on` is 'ratio'. */
  target?: { op: '>=' | '<='; value: number; on: 'value' | 'ratio' }
}

type Json = Record<string, unknown>

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/** `get(j, 'a.b.0.c')`: a number at a path, or undefined. */
export function get(j: unknown, path: string): number | undefined {
  let at: unknown = j
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined
    at = (at as Record<string, unknown>)[part]
  }
  return num(at)
}

function h(metric: string, unit: string, value: number | undefined, better: Headline['better'], extra: Partial<Headline> = {}): Headline[] {
  if (value === undefined) return []
  if (extra.baseline !== undefined && !Number.isFinite(extra.baseline.value)) delete extra.baseline
  return [{ metric, unit, value, better, ...extra }]
}

function base(name: string, value: number | undefined): { baseline?: { name: string; value: number } } {
  return value === undefined ? {} : { baseline: { name, value } }
}

const EXTRACTORS: Record<string, (j: Json) => Headline[]> = {
  storage: (j) => [
    ...h('put', 'MB/s', get(j, 'putMBps'), 'higher', { ...base('IPFS importer', get(j, 'ipfsImportMBps')), target: { op: '>=', value: 1.0, on: 'ratio' } }),
    ...h('get', 'MB/s', get(j, 'getMBps'), 'higher', { ...base('IPFS importer', get(j, 'ipfsImportMBps')), target: { op: '>=', value: 1.5, on: 'ratio' } }),
    ...h('put vs in-process pipeline', 'MB/s', get(j, 'putMBps'), 'higher', base('in-process pipeline', get(j, 'limitMBps'))),
    ...h('peak client RSS, 1 GiB file', 'MiB', get(j, 'peakRssMiB1GiB') ?? get(j, 'peakRssMiB'), 'lower', { target: { op: '<=', value: 256, on: 'value' } }),
  ],
  inference: (j) =>
    (Array.isArray(j.cases) ? (j.cases as Json[]) : []).flatMap((c) => {
      const model = String(c.model)
      const hub256 = get(c, 'hub.batch256.samplesPerSec')
      const direct256 = get(c, 'direct.batch256.samplesPerSec')
      const hub1 = get(c, 'hub.batch1.p50Ms')
      const direct1 = get(c, 'direct.batch1.p50Ms')
      return [
        ...h(`${model}: batch 256 through the hub`, 'samples/s', hub256, 'higher', base('onnxruntime direct', direct256)),
        ...h(`${model}: batch 256 overhead (direct ÷ hub samples/s)`, '×', get(c, 'overheadBatch256') ?? (hub256 !== undefined && direct256 !== undefined ? direct256 / hub256 : undefined), 'lower', { target: { op: '<=', value: 1.5, on: 'value' } }),
        ...h(`${model}: batch 1 p50 through the hub`, 'ms', hub1, 'lower', base('onnxruntime direct', direct1)),
        ...h(`${model}: batch 1 p50 added by the hub`, 'ms', get(c, 'overheadBatch1P50Ms'), 'lower', { target: { op: '<=', value: 3, on: 'value' } }),
        ...h(`${model}: batch 256 overhead, direct ticket`, '×', get(c, 'directTicket.overheadBatch256'), 'lower', { target: { op: '<=', value: 1.5, on: 'value' } }),
        ...h(`${model}: batch 1 p50 added, direct ticket`, 'ms', get(c, 'directTicket.overheadBatch1P50Ms'), 'lower', { target: { op: '<=', value: 3, on: 'value' } }),
      ]
    }),
  router: (j) => [
    ...h('sampled placements', 'placements/s', get(j, 'placementsPerSec'), 'higher', { ...base('full scan', get(j, 'scanPlacementsPerSec')), target: { op: '>=', value: 200, on: 'ratio' } }),
    ...h('sampled placement score', 'share of scan', get(j, 'sampledScoreVsScan'), 'higher', { ...base('full scan', 1), target: { op: '>=', value: 0.95, on: 'value' } }),
    ...h('placement p99', 'ms', get(j, 'p99Ms'), 'lower', { ...base('full scan', get(j, 'scanP99Ms')), target: { op: '<=', value: 1, on: 'value' } }),
  ],
  'routing-policies': (j) => {
    const p = (name: string, field = 'p99Ms'): number | undefined => get(j, `policies.${name}.${field}`)
    return [
      ...h('learned p99 / least-loaded p99 (worst of grid)', 'ratio', get(j, 'learnedVsLeastLoadedP99'), 'lower', { target: { op: '<=', value: 0.7, on: 'value' } }),
      ...h('learned p99 / oracle p99 (worst of grid)', 'ratio', get(j, 'learnedVsOracleP99'), 'lower', { target: { op: '<=', value: 1.1, on: 'value' } }),
      ...h('learned router p99', 'ms', p('learned router'), 'lower', base('least-loaded', p('least-loaded'))),
    ]
  },
  registry: (j) => [
    ...h('heartbeats processed', '/s', get(j, 'heartbeatsPerSec'), 'higher'),
    ...h('registrations', '/s', get(j, 'registrationsPerSec'), 'higher'),
  ],
  scale: (j) => [
    ...h('nodes held', 'nodes', get(j, 'nodes'), 'higher', { target: { op: '>=', value: 120_000, on: 'value' } }),
    ...h('heartbeats not processed in time', 'share', get(j, 'heartbeatLoss'), 'lower', { target: { op: '<=', value: 0, on: 'value' } }),
    ...h('failure detection p99', 'ms', get(j, 'detectionP99Ms'), 'lower', { target: { op: '<=', value: 15_000, on: 'value' } }),
    ...h('heartbeats held', '/s', get(j, 'heartbeatsPerSec'), 'higher'),
    ...h('placements', '/s', get(j, 'placementsPerSec'), 'higher'),
  ],
  ledger: (j) => [
    ...h('transfers (PostgreSQL)', '/s', get(j, 'transfersPerSecPostgres'), 'higher', { ...base('plain INSERT', get(j, 'baselineInsertsPerSecPostgres')), target: { op: '>=', value: 10_000, on: 'value' } }),
    ...h('transfers (PGlite)', '/s', get(j, 'transfersPerSecPglite'), 'higher'),
  ],
  'market-search': (j) => [
    ...h('search p99 (PostgreSQL)', 'ms', get(j, 'p99MsPostgres'), 'lower', { ...base('ILIKE scan', get(j, 'baselineIlikeP99MsPostgres')), target: { op: '<=', value: 20, on: 'value' } }),
    ...h('search p50 (PostgreSQL)', 'ms', get(j, 'p50MsPostgres'), 'lower', base('ILIKE scan', get(j, 'baselineIlikeP50MsPostgres'))),
  ],
  'he-inference': (j) => [
    ...h('encrypted predictions (node)', '/s', get(j, 'encryptedPredictionsPerSec'), 'higher', { ...base('onnxruntime plaintext', get(j, 'plaintextPredictionsPerSec')), target: { op: '>=', value: get(j, 'target.encryptedPredictionsPerSec') ?? 50_000, on: 'value' } }),
    ...h('encrypted predictions (devnet pipeline)', '/s', get(j, 'pipelinePredictionsPerSec'), 'higher', { target: { op: '>=', value: get(j, 'target.pipelinePredictionsPerSec') ?? 5_000, on: 'value' } }),
  ],
  fl: (j) => [
    ...h('secagg+ round / plaintext round, 100k parameters', 'ratio', get(j, 'secaggRatio100k'), 'lower', { target: { op: '<=', value: get(j, 'targets.secaggRatio100k') ?? 1.3, on: 'value' } }),
    ...h('ckks round / plaintext round, 100k parameters', 'ratio', get(j, 'ckksRatio100k'), 'lower', { target: { op: '<=', value: get(j, 'targets.ckksRatio100k') ?? 1.5, on: 'value' } }),
  ],
  'fl-secagg': (j) => [
    ...h('secagg+ critical path, 100k parameters', 'ms', get(j, 'sizes.1.secagg.criticalMs'), 'lower', base('plaintext', get(j, 'sizes.1.plaintext.criticalMs'))),
    ...h('secagg+ critical path, 1M parameters', 'ms', get(j, 'sizes.2.secagg.criticalMs'), 'lower', base('plaintext', get(j, 'sizes.2.plaintext.criticalMs'))),
  ],
  'fl-ckks': (j) => [
    ...h('ckks critical path, 100k parameters', 'ms', get(j, 'sizes.1.ckks.criticalMs'), 'lower', base('plaintext', get(j, 'sizes.1.plaintext.criticalMs'))),
  ],
  'fl-topology': (j) => {
    const t = (j.cycleTimeMs ?? {}) as Record<string, Record<string, Json>>
    return Object.entries(t).flatMap(([setting, networks]) => {
      const entries = Object.values(networks)
      const mean = (field: string): number | undefined => {
        const xs = entries.map((e) => num(e[field])).filter((x): x is number => x !== undefined)
        return xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length
      }
      return h(`${setting}: multigraph cycle time (mean of networks)`, 'ms', mean('multigraph'), 'lower', base('ring', mean('ring')))
    })
  },
  'fl-accuracy': (j) => [
    ...h('FedAvg final accuracy (non-IID, 10 clients)', 'accuracy', get(j, 'fedavgFinal'), 'higher', base('centralized', get(j, 'centralizedFinal'))),
  ],
}

export function headlines(name: string, result: Json): Headline[] {
  const extract = EXTRACTORS[name]
  if (extract === undefined) return []
  try {
    return extract(result)
  } catch {
    return []
  }
}

/** The number a target applies to. */
export function judged(x: Headline): number | undefined {
  if (x.target === undefined) return undefined
  if (x.target.on === 'value') return x.value
  return x.baseline === undefined || x.baseline.value === 0 ? undefined : x.value / x.baseline.value
}

export function targetMet(x: Headline): boolean | undefined {
  const v = judged(x)
  if (v === undefined || x.target === undefined) return undefined
  return x.target.op === '>=' ? v >= x.target.value : v <= x.target.value
}
