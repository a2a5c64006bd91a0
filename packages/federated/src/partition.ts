/**
 * Splitting a labelled dataset among simulated clients, for experiments and demos: IID (a seeded
 * shuffle cut into near-equal parts) or label skew by Dirichlet(α) (Hsu et al. 2019: each class
 * is shared among clients in proportions drawn from Dir(α·1); small α gives each client few
 * classes). Every client gets at least `minRows` rows. Works on labels only, so any row format fits.
 */
import { W3aiError } from '@w3ai/protocol'
import { normal, permutation, seededRandom, type Random } from '@w3ai/util'

export type PartitionScheme = { kind: 'iid' } | { kind: 'dirichlet'; alpha: number }

export interface PartitionOptions {
  /** Number of clients, >= 2. */
  clients: number
  scheme: PartitionScheme
  /** Seed of the shuffle and the Dirichlet draws. Default 0. */
  seed?: number
  /** Rows each client gets at least. Default min(10, ⌊rows / clients⌋). */
  minRows?: number
}

/** Most rows a client is guaranteed by default. */
export const DEFAULT_MIN_ROWS = 10
/** Dirichlet draws tried before short clients are topped up from the largest ones. */
const DIRICHLET_ATTEMPTS = 50

function bad(message: string, field: string): W3aiError {
  return new W3aiError('FL_BAD_CONFIG', `Partition: ${message}`, { field })
}

/** A Gamma(shape, 1) deviate (Marsaglia and Tsang 2000; shape < 1 by the boost U^(1/shape)). */
export function gamma(shape: number, random: Random): number {
  if (shape < 1) return gamma(shape + 1, random) * Math.pow(1 - random(), 1 / shape)
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    let x: number
    let v: number
    do {
      x = normal(random)
      v = 1 + c * x
    } while (v <= 0)
    v = v * v * v
    const u = 1 - random()
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v
  }
}

/** A draw from the symmetric Dirichlet(α, …, α) over `n` categories. */
export function dirichlet(n: number, alpha: number, random: Random): Float64Array {
  const g = Float64Array.from({ length: n }, () => gamma(alpha, random))
  const sum = g.reduce((a, b) => a + b, 0)
  // Tiny α can underflow every draw to 0: the whole class then goes to one client.
  if (!(sum > 0)) {
    const out = new Float64Array(n)
    out[Math.floor(random() * n)] = 1
    return out
  }
  return g.map((x) => x / sum)
}

function iid(rows: number, clients: number, random: Random): number[][] {
  const order = permutation(rows, random)
  const parts: number[][] = Array.from({ length: clients }, () => [])
  for (let i = 0; i < rows; i++) (parts[Math.floor((i * clients) / rows)] as number[]).push(order[i] as number)
  return parts
}

/** Row indices of each class, in first-seen class order. */
function byClass(labels: ArrayLike<string | number>): number[][] {
  const index = new Map<string | number, number[]>()
  for (let i = 0; i < labels.length; i++) {
    const key = labels[i] as string | number
    const list = index.get(key)
    if (list === undefined) index.set(key, [i])
    else list.push(i)
  }
  return [...index.values()]
}

function dirichletOnce(classes: readonly number[][], clients: number, alpha: number, random: Random): number[][] {
  const parts: number[][] = Array.from({ length: clients }, () => [])
  for (const rows of classes) {
    const order = permutation(rows.length, random)
    const p = dirichlet(clients, alpha, random)
    // Cumulative proportions cut the shuffled class into consecutive slices.
    let start = 0
    let acc = 0
    for (let c = 0; c < clients; c++) {
      acc += p[c] as number
      const end = c === clients - 1 ? rows.length : Math.min(rows.length, Math.round(acc * rows.length))
      for (let k = start; k < end; k++) (parts[c] as number[]).push(rows[order[k] as number] as number)
      start = Math.max(start, end)
    }
  }
  return parts
}

/** Moves random rows from the largest clients to those below `minRows`. */
function topUp(parts: number[][], minRows: number, random: Random): void {
  for (const part of parts) {
    while (part.length < minRows) {
      const largest = parts.reduce((a, b) => (b.length > a.length ? b : a))
      const k = Math.floor(random() * largest.length)
      part.push(largest[k] as number)
      largest[k] = largest[largest.length - 1] as number
      largest.pop()
    }
  }
}

/**
 * Splits rows with `labels` among `options.clients` clients; returns each client's row indices in
 * ascending order. FL_BAD_CONFIG for fewer than two clients, α <= 0, or too few rows.
 */
export function partitionRows(labels: ArrayLike<string | number>, options: PartitionOptions): number[][] {
  const { clients, scheme } = options
  const rows = labels.length
  if (!Number.isInteger(clients) || clients < 2) throw bad(`clients must be an integer >= 2, got ${clients}.`, 'clients')
  if (scheme.kind === 'dirichlet' && !(scheme.alpha > 0 && Number.isFinite(scheme.alpha))) throw bad(`the Dirichlet alpha must be a number > 0, got ${scheme.alpha}.`, 'alpha')
  const minRows = options.minRows ?? Math.max(1, Math.min(DEFAULT_MIN_ROWS, Math.floor(rows / clients)))
  if (!Number.isInteger(minRows) || minRows < 1) throw bad(`minRows must be an integer >= 1, got ${minRows}.`, 'minRows')
  if (rows < clients * minRows) throw bad(`${rows} rows cannot give ${clients} clients ${minRows} rows each; use fewer clients or a smaller minimum.`, 'clients')
  const random = seededRandom(options.seed ?? 0)
  let parts: number[][]
  if (scheme.kind === 'iid') {
    parts = iid(rows, clients, random)
  } else {
    const classes = byClass(labels)
    parts = dirichletOnce(classes, clients, scheme.alpha, random)
    for (let attempt = 1; attempt < DIRICHLET_ATTEMPTS && parts.some((p) => p.length < minRows); attempt++) parts = dirichletOnce(classes, clients, scheme.alpha, random)
    topUp(parts, minRows, random)
  }
  return parts.map((p) => p.sort((a, b) => a - b))
}

/** How many rows of each label `rows` holds, labels in sorted order. */
export function labelHistogram(labels: ArrayLike<string | number>, rows: readonly number[]): Record<string, number> {
  const counts = new Map<string, number>()
  for (const r of rows) {
    const key = String(labels[r])
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const keys = [...counts.keys()].sort((a, b) => {
    const x = Number(a)
    const y = Number(b)
    return Number.isFinite(x) && Number.isFinite(y) ? x - y : a < b ? -1 : a > b ? 1 : 0
  })
  return Object.fromEntries(keys.map((k) => [k, counts.get(k) as number]))
}
