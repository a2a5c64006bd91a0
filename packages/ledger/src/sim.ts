/**
 * An in-memory ledger store for deterministic simulation (TigerBeetle's VOPR in miniature). It
 * implements LedgerStore as a database would: transactions are serialized (the advisory lock),
 * each write is a series of statements checked like constraints (no duplicate key, no lost
 * update, journal and blocks gapless), and a crash injected at any point kills the "process":
 * what was not committed rolls back, what was committed stays, and `restart()` opens the same
 * durable state in a fresh process.
 */
import type { LedgerStore, LedgerTx } from './store.js'
import type { Account, BatchOutcome, Block, JournalEntry, LedgerHead, StoredTransfer } from './types.js'
import { EMPTY_HEAD } from './journal.js'

/** Where a crash may be injected: between the statements of a transaction, before and after its commit. */
export type CrashPoint =
  | 'begin'
  | 'read'
  | 'write:accounts'
  | 'write:transfers'
  | 'write:updates'
  | 'write:journal'
  | 'write:block'
  | 'commit'
  | 'after-commit'

export const CRASH_POINTS: readonly CrashPoint[] = ['begin', 'read', 'write:accounts', 'write:transfers', 'write:updates', 'write:journal', 'write:block', 'commit', 'after-commit']

/** The process died at `point`; for 'after-commit' the transaction had committed, unacknowledged. */
export class SimCrash extends Error {
  constructor(readonly point: CrashPoint) {
    super(`simulated crash at ${point}`)
    this.name = 'SimCrash'
  }
}

/** What survives a crash. */
interface Durable {
  accounts: Map<string, Account>
  transfers: Map<string, StoredTransfer>
  journal: JournalEntry[]
  blocks: Block[]
  head: LedgerHead
}

export interface SimStoreOptions {
  /** Asked at every crash point; true kills the process there. */
  crash?: (point: CrashPoint) => boolean
}

/** The in-memory store. A crash leaves it dead (every call throws SimCrash) until `restart()`. */
export class SimLedgerStore implements LedgerStore {
  private dead: CrashPoint | null = null
  private queue: Promise<unknown> = Promise.resolve()
  crash: (point: CrashPoint) => boolean

  constructor(
    options: SimStoreOptions = {},
    private readonly disk: Durable = { accounts: new Map(), transfers: new Map(), journal: [], blocks: [], head: EMPTY_HEAD },
  ) {
    this.crash = options.crash ?? (() => false)
  }

  /** A fresh process over the same durable state (the crash hook carries over). */
  restart(): SimLedgerStore {
    return new SimLedgerStore({ crash: this.crash }, this.disk)
  }

  /** Whether a crash killed this process, and where. */
  get crashedAt(): CrashPoint | null {
    return this.dead
  }

  private point(p: CrashPoint): void {
    if (this.dead) throw new SimCrash(this.dead)
    if (this.crash(p)) {
      this.dead = p
      throw new SimCrash(p)
    }
  }

  transaction<T>(fn: (tx: LedgerTx) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => this.run(fn))
    this.queue = run.catch(() => undefined)
    return run
  }

  private async run<T>(fn: (tx: LedgerTx) => Promise<T>): Promise<T> {
    this.point('begin')
    const undo: (() => void)[] = []
    try {
      const out = await fn(this.tx(undo))
      this.point('commit')
      undo.length = 0
      this.point('after-commit')
      return out
    } finally {
      // Anything not committed rolls back, in reverse order, as a database would.
      while (undo.length) (undo.pop() as () => void)()
    }
  }

  private tx(undo: (() => void)[]): LedgerTx {
    const d = this.disk
    const setMap = <V>(map: Map<string, V>, key: string, value: V): void => {
      const had = map.has(key)
      const before = map.get(key)
      map.set(key, value)
      undo.push(() => (had ? map.set(key, before as V) : map.delete(key)))
    }
    return {
      head: async () => {
        this.point('read')
        return d.head
      },
      accounts: async (ids) => {
        this.point('read')
        return ids.flatMap((id) => d.accounts.get(id) ?? [])
      },
      transfers: async (ids) => {
        this.point('read')
        return ids.flatMap((id) => d.transfers.get(id) ?? [])
      },
      duePending: async (now, limit) => {
        this.point('read')
        const due = [...d.transfers.values()].filter((t) => t.status === 'pending' && Date.parse(t.timeoutAt as string) <= now.getTime())
        return due.sort((a, b) => Date.parse(a.timeoutAt as string) - Date.parse(b.timeoutAt as string)).slice(0, limit)
      },
      write: async (outcome: BatchOutcome, block: Block) => {
        for (const a of outcome.accountDeltas) {
          const before = d.accounts.get(a.id)
          if (a.created ? before !== undefined : before === undefined) throw new Error(`sim: account ${a.id} ${a.created ? 'already exists' : 'is missing'}`)
          const next = before
            ? {
                ...before,
                debitsPosted: before.debitsPosted + a.delta.debitsPosted,
                creditsPosted: before.creditsPosted + a.delta.creditsPosted,
                debitsPending: before.debitsPending + a.delta.debitsPending,
                creditsPending: before.creditsPending + a.delta.creditsPending,
              }
            : a.after
          for (const k of ['debitsPosted', 'creditsPosted', 'debitsPending', 'creditsPending'] as const) {
            if (next[k] !== a.after[k] || next[k] < 0n) throw new Error(`sim: lost update on ${a.id}.${k}`)
          }
          setMap(d.accounts, a.id, next)
        }
        this.point('write:accounts')
        for (const t of outcome.newTransfers) {
          if (d.transfers.has(t.id)) throw new Error(`sim: duplicate transfer ${t.id}`)
          setMap(d.transfers, t.id, t)
        }
        this.point('write:transfers')
        for (const t of outcome.updatedTransfers) {
          const before = d.transfers.get(t.id)
          if (!before) throw new Error(`sim: update of missing transfer ${t.id}`)
          setMap(d.transfers, t.id, { ...before, status: t.status })
        }
        this.point('write:updates')
        const head = d.head
        for (const e of outcome.journal) {
          const last = d.journal[d.journal.length - 1]
          if (e.seq !== (last?.seq ?? 0) + 1 || e.prev !== (last?.hash ?? head.hash)) throw new Error(`sim: journal entry ${e.seq} does not follow ${last?.seq ?? 0}`)
          d.journal.push(e)
          undo.push(() => void d.journal.pop())
        }
        this.point('write:journal')
        if (block.height !== d.blocks.length + 1 || block.firstSeq !== head.seq + 1 || block.lastSeq !== outcome.head.seq) throw new Error(`sim: block ${block.height} does not follow`)
        d.blocks.push(block)
        d.head = outcome.head
        undo.push(() => {
          d.blocks.pop()
          d.head = head
        })
        this.point('write:block')
      },
    }
  }

  async journal(after: number, limit: number): Promise<JournalEntry[]> {
    this.point('read')
    return this.disk.journal.slice(Math.max(0, after), Math.max(0, after) + limit)
  }

  async blocks(after: number, limit: number): Promise<Block[]> {
    this.point('read')
    return this.disk.blocks.slice(Math.max(0, after), Math.max(0, after) + limit)
  }

  async accountsPage(after: string, limit: number): Promise<Account[]> {
    this.point('read')
    return [...this.disk.accounts.values()]
      .filter((a) => a.id > after)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit)
  }

  /** Everything held, for verifyLedger (no crash point: the test reads the disk, not the process). */
  snapshot(): { entries: JournalEntry[]; blocks: Block[]; accounts: Account[]; transfers: StoredTransfer[]; head: LedgerHead } {
    const d = this.disk
    return { entries: [...d.journal], blocks: [...d.blocks], accounts: [...d.accounts.values()], transfers: [...d.transfers.values()], head: d.head }
  }

  /** The durable state, for tests that tamper with it (a changed, deleted or reordered row). */
  get rows(): Durable {
    return this.disk
  }
}
