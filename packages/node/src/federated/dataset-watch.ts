/**
 * Keeps the agent's view of `<home>/datasets.json` current: `w3ai node dataset add|rm` edits the
 * file while the agent runs, and the hub must hear of the change (the agent registers again).
 * Polls the file's modification time; a change that cannot be announced yet (hub away) is
 * announced again on the next tick until it goes through.
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { DATASETS_FILE, loadDatasets, type LocalDataset } from '../datasets.js'

/** How often the agent looks at datasets.json for changes. */
export const DATASET_POLL_MS = 1000

export interface DatasetWatchComponents {
  home: string
  /** Default DATASET_POLL_MS. */
  pollMs?: number
  /** Tells the hub; rejects when it could not (tried again on the next tick). */
  announce: (datasets: readonly LocalDataset[]) => Promise<void>
  log: Logger
}

export class DatasetWatch {
  private list: LocalDataset[] = []
  private stamp = ''
  private unannounced = false
  private timer: NodeJS.Timeout | undefined
  private ticking: Promise<void> | undefined

  constructor(private readonly c: DatasetWatchComponents) {}

  /** The datasets as last read. */
  get current(): readonly LocalDataset[] {
    return this.list
  }

  /** The dataset named `name`, if this node has it. */
  get(name: string): LocalDataset | undefined {
    return this.list.find((d) => d.name === name)
  }

  /** Reads the file once (the first registration carries it), then polls. */
  async start(): Promise<void> {
    await this.refresh()
    this.unannounced = false
    this.schedule()
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.ticking
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined
        if (this.timer !== undefined) this.schedule()
      })
    }, this.c.pollMs ?? DATASET_POLL_MS)
    this.timer.unref()
  }

  private async tick(): Promise<void> {
    try {
      if (await this.refresh()) this.c.log.info({ datasets: this.list.map((d) => d.name) }, 'local datasets changed')
      if (!this.unannounced) return
      await this.c.announce(this.list)
      this.unannounced = false
    } catch (err) {
      this.c.log.debug({ err: String(err) }, 'datasets not announced yet; will retry')
    }
  }

  /** Re-reads the file when its modification time or size changed; true when it did. */
  private async refresh(): Promise<boolean> {
    const stamp = await stat(join(this.c.home, DATASETS_FILE)).then(
      (s) => `${s.mtimeMs}:${s.size}:${s.ino}`,
      () => 'absent',
    )
    if (stamp === this.stamp) return false
    this.stamp = stamp
    try {
      this.list = await loadDatasets(this.c.home)
    } catch (err) {
      // A broken file must not stop the node: it offers no datasets until the file is fixed.
      this.c.log.warn({ err: String(err) }, 'datasets.json cannot be read; offering no datasets')
      this.list = []
    }
    this.unannounced = true
    return true
  }
}
