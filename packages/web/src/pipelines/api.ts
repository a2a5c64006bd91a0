/** The hub's pipeline API from the page, signed with the loaded identity (the storage page's client). */
import type { Pipeline, PipelineSummary } from '@w3ai/protocol'
import { hubPages, type LoadPage } from '../paging.js'
import { HubError, type StorageApi } from '../storage/hub-api.js'

/** A pipeline id's form (the protocol's PipelineIdSchema; the page loads no schemas). */
const PIPELINE_ID = /^p_[0-9a-f]{24}$/

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

  /** Like `get`, but an id that is no pipeline of the account's (unknown, another's, malformed) is an answer, not an error. */
  async find(id: string): Promise<Pipeline | PipelineNotFound> {
    if (!PIPELINE_ID.test(id)) return { notFound: id, message: 'Pipeline ids look like p_ and 24 hex digits.' }
    try {
      return await this.get(id)
    } catch (err) {
      if (err instanceof HubError && err.status === 404) return { notFound: id, message: err.message }
      throw err
    }
  }
}
