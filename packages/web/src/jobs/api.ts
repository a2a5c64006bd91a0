/** The hub's jobs API from the page: signed reads with the loaded identity (the storage page's client). */
import type { Deployment, Job } from '@w3ai/protocol'
import type { StorageApi } from '../storage/hub-api.js'

export class JobsApi {
  constructor(private readonly hub: Pick<StorageApi, 'request'>) {}

  /** The account's jobs, newest first; their history is left empty (fetch one job for it). */
  list(): Promise<Job[]> {
    return this.hub.request<{ jobs: Job[] }>('GET', '/v1/jobs').then((r) => r.jobs)
  }

  /** One job with its result, verification and full history. */
  get(id: string): Promise<Job> {
    return this.hub.request<Job>('GET', `/v1/jobs/${encodeURIComponent(id)}`)
  }

  /** The account's model deployments, newest first, with their replicas and request counts. */
  deployments(): Promise<Deployment[]> {
    return this.hub.request<{ deployments: Deployment[] }>('GET', '/v1/deployments').then((r) => r.deployments)
  }
}
