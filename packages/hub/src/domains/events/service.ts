/**
 * Who may see which event: network events (`node.*`, `params.updated`, `governance.updated`) go to every subscriber; events about an
 * account's objects (`job.updated`, `deployment.updated`, `fl.updated`, `pipeline.updated`) only
 * to that account's signed subscriptions (`market.order.updated` to its buyer's and its seller's). Any other event is withheld until it is classified here.
 */
import type { HubEvent } from '@w3ai/protocol'

/** Finds the owning account of the object an event is about. */
export interface OwnerLookups {
  job: (jobId: string) => Promise<string | undefined>
  deployment: (deploymentId: string) => Promise<string | undefined>
  training: (trainingId: string) => Promise<string | undefined>
  pipeline: (pipelineId: string) => Promise<string | undefined>
}

export type Audience = { kind: 'public' } | { kind: 'account'; accountId: string } | { kind: 'accounts'; accountIds: readonly string[] } | { kind: 'none' }

const CACHE_SIZE = 10_000

export class EventAudience {
  // Owners never change, so answers are cached (oldest dropped first).
  private readonly owners = new Map<string, string>()

  constructor(private readonly lookups: OwnerLookups) {}

  /** Who may receive this event. */
  async of(event: HubEvent): Promise<Audience> {
    if (event.type.startsWith('node.') || event.type === 'params.updated' || event.type === 'governance.updated') return { kind: 'public' }
    // A market order concerns two accounts, both named in the event.
    if (event.type === 'market.order.updated') return { kind: 'accounts', accountIds: [event.buyer, event.seller] }
    const owner =
      event.type === 'job.updated' ? await this.owner(`j:${event.jobId}`, () => this.lookups.job(event.jobId))
      : event.type === 'deployment.updated' ? await this.owner(`d:${event.deploymentId}`, () => this.lookups.deployment(event.deploymentId))
      : event.type === 'fl.updated' ? await this.owner(`f:${event.trainingId}`, () => this.lookups.training(event.trainingId))
      : event.type === 'pipeline.updated' ? await this.owner(`p:${event.pipelineId}`, () => this.lookups.pipeline(event.pipelineId))
      : undefined
    return owner === undefined ? { kind: 'none' } : { kind: 'account', accountId: owner }
  }

  private async owner(key: string, find: () => Promise<string | undefined>): Promise<string | undefined> {
    const known = this.owners.get(key)
    if (known !== undefined) return known
    const found = await find()
    if (found !== undefined) {
      if (this.owners.size >= CACHE_SIZE) this.owners.delete(this.owners.keys().next().value as string)
      this.owners.set(key, found)
    }
    return found
  }
}

/** Whether a subscriber (an account id, or undefined when unsigned) may receive an event for this audience. */
export function mayReceive(audience: Audience, subscriber: string | undefined): boolean {
  if (audience.kind === 'public') return true
  if (audience.kind === 'accounts') return subscriber !== undefined && audience.accountIds.includes(subscriber)
  return audience.kind === 'account' && audience.accountId === subscriber
}
