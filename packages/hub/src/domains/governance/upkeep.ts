/**
 * The governance upkeep: seeds and follows the parameter table, and every interval opens the votes
 * whose delay passed, decides those whose period ended and executes those whose timelock ran out.
 * Rounds never overlap; stop() waits for the round under way.
 */
import type { StoredNetworkParameters } from './parameters.js'
import type { GovernanceService } from './service.js'

export interface GovernanceUpkeepComponents {
  governance: Pick<GovernanceService, 'tick'>
  parameters: Pick<StoredNetworkParameters, 'start' | 'stop'>
  intervalMs: number
  onError: (err: unknown) => void
}

export class GovernanceUpkeep {
  private timer: NodeJS.Timeout | undefined
  private round: Promise<void> | undefined

  constructor(private readonly c: GovernanceUpkeepComponents) {}

  async start(): Promise<void> {
    if (this.timer !== undefined) return
    await this.c.parameters.start()
    this.timer = setInterval(() => void this.run(), this.c.intervalMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await this.round
    this.c.parameters.stop()
  }

  /** One round now (unless one is under way); errors go to onError. */
  run(): Promise<void> {
    this.round ??= this.c.governance
      .tick()
      .then(() => undefined, this.c.onError)
      .finally(() => {
        this.round = undefined
      })
    return this.round
  }
}
