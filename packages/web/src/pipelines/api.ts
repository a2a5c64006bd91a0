/** The hub's pipeline API from the page, signed with the loaded identity (the storage page's client). */
import type { Pipeline, PipelineSummary } from '@w3ai/protocol'
import { hubPages, type LoadPage } from '../paging.js'
import { HubError, type StorageApi } from '../storage/hub-api.js'

/** What the detail view shows for an id the hub does not know among the account's pipelines. */
export interface PipelineNotFound {
  notFound: string
  message: string
}

export class PipelinesApi {
  /** The account's pipelines page by page (`?limit`, `?cursor`), newest first, as summaries. */
  readonly pipelinePages: LoadPage<PipelineSummary>

  constructor(private readonly hub: Pick<StorageApi, 'request'>) {
    this.pipelinePages = hubPages<PipelineSummary>(hub, '/v1/pipelines', 'pipelines')
  }

  /** One pipeline with every segment's stages. */
  get(id: string): Promise<Pipeline> {
    return this.hub.request<Pipeline>('GET', `/v1/pipelines/${encodeURIComponent(id)}`)
  }

  /** Like `get`, but a 404 (no such pipeline among the account's) is an answer, not an error. */
  async find(id: string): Promise<Pipeline | PipelineNotFound> {
    try {
      return await this.get(id)
    } catch (err) {
      if (err instanceof HubError && err.status === 404) return { notFound: id, message: err.message }
      throw err
    }
  }
}
