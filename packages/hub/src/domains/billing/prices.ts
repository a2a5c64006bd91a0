/**
 * The price book: what a node charges, inside the governed bounds. A node may advertise its
 * prices (units per task-second, per answered call, per GiB-hour); one that did not, or a price
 * outside the bounds, gets the governed minimum or the nearest bound. Every value is read through
 * NetworkParameters at the moment it is needed, so a governance change applies to the next quote.
 */
import {
  computePriceBounds,
  priceWithin,
  servingPriceBounds,
  storagePriceBounds,
  type FeeParameters,
  type ParameterValues,
  type ResourceClass,
} from '@w3ai/ledger'
import type { NetworkParameters } from '../governance/parameters.js'

/** What the book reads of the governed parameters. */
export type ParameterReader = Pick<NetworkParameters, 'all'>

/** The prices a node advertised (units), each optional. */
export interface NodePrices {
  computePerTaskSecond?: bigint
  servingPerCall?: bigint
  storagePerGiBHour?: bigint
}

export interface PriceBookComponents {
  parameters: ParameterReader
  /** The prices these nodes advertised (nodes without any are left out). Default: none advertised. */
  nodePrices?: (nodeIds: readonly string[]) => Promise<ReadonlyMap<string, NodePrices>>
}

/** The fee split and the compute reward, as settlement applies them. */
export type SettlementParameters = FeeParameters & Pick<ParameterValues, 'computeRewardShareBps'>

export class PriceBook {
  constructor(private readonly c: PriceBookComponents) {}

  /** Every governed value now. */
  parameters(): Promise<ParameterValues> {
    return this.c.parameters.all()
  }

  /** The fee split and reward shares now. */
  async settlement(): Promise<SettlementParameters> {
    const p = await this.c.parameters.all()
    return { feeRateBps: p.feeRateBps, treasuryShareBps: p.treasuryShareBps, burnShareBps: p.burnShareBps, computeRewardShareBps: p.computeRewardShareBps }
  }

  /** Each node's compute price per task-second for `resourceClass`, within the bounds. */
  async computePrices(resourceClass: ResourceClass, nodeIds: readonly string[]): Promise<Map<string, bigint>> {
    const bounds = computePriceBounds(await this.c.parameters.all(), resourceClass)
    const advertised = await this.advertised(nodeIds)
    return new Map(nodeIds.map((id) => [id, priceWithin(advertised.get(id)?.computePerTaskSecond, bounds)]))
  }

  /**
   * The rate a job is escrowed and charged at: the highest price among the nodes that may run it
   * (so whichever of them runs a replica is paid its price or more); the governed maximum when
   * none is named (a quote with no node online).
   */
  async computeRate(resourceClass: ResourceClass, nodeIds: readonly string[]): Promise<bigint> {
    if (nodeIds.length === 0) return computePriceBounds(await this.c.parameters.all(), resourceClass).max
    return max([...(await this.computePrices(resourceClass, nodeIds)).values()])
  }

  /** The price per answered call of each node, within the bounds; the governed maximum for none. */
  async servingRate(nodeIds: readonly string[]): Promise<bigint> {
    const bounds = servingPriceBounds(await this.c.parameters.all())
    if (nodeIds.length === 0) return bounds.max
    const advertised = await this.advertised(nodeIds)
    return max(nodeIds.map((id) => priceWithin(advertised.get(id)?.servingPerCall, bounds)))
  }

  /** The serving price of one node. */
  async servingPrice(nodeId: string): Promise<bigint> {
    return this.servingRate([nodeId])
  }

  /** The storage price per GiB-hour across these nodes (the highest); the governed minimum when none is named. */
  async storageRate(nodeIds: readonly string[]): Promise<bigint> {
    const bounds = storagePriceBounds(await this.c.parameters.all())
    if (nodeIds.length === 0) return bounds.min
    const advertised = await this.advertised(nodeIds)
    return max(nodeIds.map((id) => priceWithin(advertised.get(id)?.storagePerGiBHour, bounds)))
  }

  private async advertised(nodeIds: readonly string[]): Promise<ReadonlyMap<string, NodePrices>> {
    return this.c.nodePrices === undefined || nodeIds.length === 0 ? new Map() : this.c.nodePrices(nodeIds)
  }
}

function max(values: bigint[]): bigint {
  return values.reduce((a, b) => (b > a ? b : a), 0n)
}
