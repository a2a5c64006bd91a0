/**
 * NetworkParameters: the one way every domain reads the governed parameters (fee split, price
 * bounds, rewards, stake and slashing, governance rules), typed: amounts as bigint, shares,
 * periods and counts as numbers. Values come from the network_parameters table, cached here and
 * reloaded when a proposal is executed on this hub or `params.updated` arrives from another.
 *
 * ```ts
 * const burn = await parameters.get('burnShareBps') // 2000
 * parameters.subscribe(({ names }) => console.log('changed', names))
 * ```
 */
import type { Identity } from '@w3ai/crypto'
import { formatParameterValue, NETWORK_PARAMETERS, readParameterValues, type ParameterName, type ParameterValue, type ParameterValues } from '@w3ai/ledger'
import type { NetworkParameter } from '@w3ai/protocol'
import type { Database } from '../../db/types.js'
import type { EventBus } from '../../infra/event-bus.js'
import { appendEvent, lockGovernance } from './log-store.js'
import type { GovernanceStore, ParameterRow } from './store.js'

export interface ParametersChanged {
  names: ParameterName[]
  /** The executed proposal (null: genesis values seeded). */
  proposalId: string | null
  values: ParameterValues
}

/** What every domain reads. */
export interface NetworkParameters {
  /** One parameter's value now. */
  get<N extends ParameterName>(name: N): Promise<ParameterValue<N>>
  /** Every parameter's value now. */
  all(): Promise<ParameterValues>
  /** Calls `listener` after parameters changed (on this hub or another); returns the unsubscribe. */
  subscribe(listener: (change: ParametersChanged) => void): () => void
}

export interface StoredParametersComponents {
  db: Database
  store: GovernanceStore
  bus: EventBus
  /** The values a new network's table is seeded with (decimal strings). */
  genesis: Readonly<Record<string, string>>
  /** Signs the genesis event of the governance log. */
  signer: Pick<Identity, 'publicKey' | 'signingKey'>
  now: () => number
  onError: (err: unknown) => void
}

/** NetworkParameters over the network_parameters table; start() seeds the genesis values and follows changes. */
export class StoredNetworkParameters implements NetworkParameters {
  private rows: ParameterRow[] = []
  private values: ParameterValues | undefined
  private loading: Promise<void> | undefined
  private readonly listeners = new Set<(change: ParametersChanged) => void>()
  private unsubscribeBus: (() => void) | undefined

  constructor(private readonly c: StoredParametersComponents) {}

  async start(): Promise<void> {
    await this.ready()
    this.unsubscribeBus ??= this.c.bus.subscribe((event) => {
      if (event.type !== 'params.updated') return
      this.refresh()
        .then((values) => this.notify({ names: event.names.filter((n): n is ParameterName => Object.hasOwn(NETWORK_PARAMETERS, n)), proposalId: event.proposalId, values }))
        .catch(this.c.onError)
    })
  }

  stop(): void {
    this.unsubscribeBus?.()
    this.unsubscribeBus = undefined
  }

  async get<N extends ParameterName>(name: N): Promise<ParameterValue<N>> {
    return (await this.all())[name]
  }

  async all(): Promise<ParameterValues> {
    await this.ready()
    return this.values as ParameterValues
  }

  subscribe(listener: (change: ParametersChanged) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Every parameter with its value, bounds and origin, for GET /v1/parameters. */
  async view(): Promise<NetworkParameter[]> {
    await this.ready()
    const byName = new Map(this.rows.map((r) => [r.name, r]))
    const values = this.values as ParameterValues
    return (Object.keys(NETWORK_PARAMETERS) as ParameterName[]).map((name) => {
      const spec = NETWORK_PARAMETERS[name]
      const row = byName.get(name)
      return {
        name,
        kind: spec.kind,
        value: formatParameterValue(values[name]),
        default: formatParameterValue(spec.default),
        min: formatParameterValue(spec.min),
        max: formatParameterValue(spec.max),
        doc: spec.doc,
        updatedAt: row?.updatedAt == null ? null : new Date(row.updatedAt).toISOString(),
        proposalId: row?.proposalId ?? null,
      }
    })
  }

  /** Reloads the table (after an execution here, or when another hub announced one). */
  async refresh(): Promise<ParameterValues> {
    const rows = await this.c.store.parameters(this.c.db)
    const stored: Record<string, string> = {}
    for (const r of rows) stored[r.name] = r.value
    this.values = readParameterValues(stored)
    this.rows = rows
    return this.values
  }

  /** Seeds the parameters a new network (or a newer version) lacks, once, then loads the table. */
  ready(): Promise<void> {
    this.loading ??= this.seed().catch((err: unknown) => {
      this.loading = undefined
      throw err
    })
    return this.loading
  }

  private async seed(): Promise<void> {
    const { db, store, genesis, signer, now } = this.c
    const seeded = await db.transaction(async (tx) => {
      await lockGovernance(tx, db.kind)
      const names = await store.seedParameters(tx, genesis)
      if (names.length > 0) {
        const values = Object.fromEntries(names.map((n) => [n, genesis[n] as string]))
        await appendEvent(tx, { proposalId: null, kind: 'genesis', data: { values }, at: new Date(now()).toISOString() }, signer)
      }
      return names
    })
    await this.refresh()
    if (seeded.length > 0) this.c.bus.publish({ type: 'params.updated', names: seeded, proposalId: null })
  }

  private notify(change: ParametersChanged): void {
    for (const fn of this.listeners) {
      try {
        fn(change)
      } catch (err) {
        this.c.onError(err)
      }
    }
  }
}
