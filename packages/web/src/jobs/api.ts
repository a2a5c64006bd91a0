/** The hub's jobs API from the page: signed with the loaded identity (the storage page's client). */
import type { Deployment, Job, JobCandidates, JobKeys, JobSubmit, ObjectDetail } from '@w3ai/protocol'
import { hubPages, type LoadPage } from '../paging.js'
import type { StorageApi } from '../storage/hub-api.js'
import type { BrowserIdentity } from '../storage/identity.js'
import { unwrapKey, wrapKey } from '../storage/wrap.js'

export class JobsApi {
  /** The account's jobs page by page (`?limit`, `?cursor`), newest first; history left empty. */
  readonly jobPages: LoadPage<Job>
  /** The account's deployments page by page, newest first. */
  readonly deploymentPages: LoadPage<Deployment>

  constructor(private readonly hub: Pick<StorageApi, 'request'>) {
    this.jobPages = hubPages<Job>(hub, '/v1/jobs', 'jobs')
    this.deploymentPages = hubPages<Deployment>(hub, '/v1/deployments', 'deployments')
  }

  /** The account's jobs (the first page), newest first; their history is left empty (fetch one job for it). */
  list(): Promise<Job[]> {
    return this.hub.request<{ jobs: Job[] }>('GET', '/v1/jobs').then((r) => r.jobs)
  }

  /** One job with its result, verification and full history. */
  get(id: string): Promise<Job> {
    return this.hub.request<Job>('GET', `/v1/jobs/${encodeURIComponent(id)}`)
  }

  /** The account's model deployments (the first page), newest first, with their replicas and request counts. */
  deployments(): Promise<Deployment[]> {
    return this.hub.request<{ deployments: Deployment[] }>('GET', '/v1/deployments').then((r) => r.deployments)
  }

  /**
   * Submits a job as the SDK does: the hub answers with the nodes it chose, and each input's object
   * key is unwrapped here and re-wrapped to those nodes only; then the job is queued.
   */
  async submit(body: JobSubmit, identity: Pick<BrowserIdentity, 'encryptionKey' | 'decryptionKey'>): Promise<Job> {
    const answer = await this.hub.request<JobCandidates | Job>('POST', '/v1/jobs', body)
    if (!('candidates' in answer)) return answer
    const keys: JobKeys['keys'] = []
    for (const cid of answer.inputs) {
      const detail = await this.hub.request<ObjectDetail>('GET', `/v1/storage/objects/${encodeURIComponent(cid)}`)
      const objectKey = await unwrapKey(detail.wrappedKey, identity)
      try {
        for (const c of answer.candidates) keys.push({ nodeId: c.nodeId, cid, wrappedKey: await wrapKey(objectKey, c.encryptionKey) })
      } finally {
        objectKey.fill(0)
      }
    }
    return this.hub.request<Job>('POST', `/v1/jobs/${answer.jobId}/keys`, { keys })
  }
}
