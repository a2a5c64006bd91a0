/**
 * The stake rule the router applies, synchronously, per placement: with billing on, a task worth
 * more than the free limit goes only to nodes whose bonded stake reaches the governed
 * minimumStake. A task's worth is what one replica may cost at the governed minimum compute price
 * of its class (cpu, gpu) for the billed task seconds: known before any node is chosen. The
 * governed values are cached here and refreshed when parameters change.
 */
import { computePriceBounds, resourceClassOf, UNITS_PER_TOKEN, type ParameterValues } from '@w3ai/ledger'
import type { NetworkParameters } from '../governance/parameters.js'

export interface StakePolicyComponents {
  parameters: Pick<NetworkParameters, 'all' | 'subscribe'>
  /** Whether tasks are paid for at all (billing on): free networks have no stake rule. */
  billing: boolean
  /** Seconds a replica is billed for at most (BillingSettings.taskSeconds). */
  taskSeconds: number
  /** Units a replica may be worth without needing stake. */
  freeWorkMax: bigint
  onError: (err: unknown) => void
}

/** What a placement asks: the minimum stake (tokens) its nodes need, or undefined when any node may take it. */
export interface StakeRule {
  minStakeFor(needs: { gpus?: number; gpuMemoryGb?: number }): number | undefined
}

/** Units as tokens (a float, for scoring: 12 significant digits kept before the conversion). */
export function tokensOf(units: bigint): number {
  return Number(units / 10n ** 6n) / Number(UNITS_PER_TOKEN / 10n ** 6n)
}

export class StakePolicy implements StakeRule {
  private values: ParameterValues | undefined
  private unsubscribe: (() => void) | undefined

  constructor(private readonly c: StakePolicyComponents) {}

  async start(): Promise<void> {
    if (!this.c.billing) return
    this.values = await this.c.parameters.all()
    this.unsubscribe ??= this.c.parameters.subscribe((change) => {
      this.values = change.values
    })
  }

  stop(): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }

  minStakeFor(needs: { gpus?: number; gpuMemoryGb?: number }): number | undefined {
    const v = this.values
    if (!this.c.billing || v === undefined || v.minimumStake <= 0n) return undefined
    const worth = computePriceBounds(v, resourceClassOf(needs)).min * BigInt(this.c.taskSeconds)
    return worth > this.c.freeWorkMax ? tokensOf(v.minimumStake) : undefined
  }
}
