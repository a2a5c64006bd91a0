/** The hub's federated-learning API from the page, signed with the loaded identity (the storage page's client). */
import type { FlTraining, FlTrainingSummary } from '@w3ai/protocol'
import { hubPages, type LoadPage } from '../paging.js'
import type { StorageApi } from '../storage/hub-api.js'

const path = (id: string, rest = ''): string => `/v1/fl/trainings/${encodeURIComponent(id)}${rest}`

export class FlApi {
  /** The account's trainings page by page (`?limit`, `?cursor`), newest first, as summaries (no rounds). */
  readonly trainingPages: LoadPage<FlTrainingSummary>

  constructor(private readonly hub: Pick<StorageApi, 'request'>) {
    this.trainingPages = hubPages<FlTrainingSummary>(hub, '/v1/fl/trainings', 'trainings')
  }

  /** One training with every round so far. */
  get(id: string): Promise<FlTraining> {
    return this.hub.request<FlTraining>('GET', path(id))
  }

  /** Stops a running training after its last finished round. */
  stop(id: string): Promise<FlTraining> {
    return this.hub.request<FlTraining>('POST', path(id, '/stop'))
  }

  /** Resumes a stopped or failed training at the round after its last finished one. */
  resume(id: string): Promise<FlTraining> {
    return this.hub.request<FlTraining>('POST', path(id, '/resume'))
  }
}
