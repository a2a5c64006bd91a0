/**
 * Paging for every list endpoint: `?limit=N` (1..500, default 100) and `?cursor=` the previous
 * page's `nextCursor`. A page holds its list under the list's key (`jobs`, `deployments`,
 * `objects`, `nodes`) and `nextCursor`: an opaque string to ask for the next page, or null on the
 * last one. Cursors mark a keyset position (newest-first lists: creation time and id), so items
 * added meanwhile never shift the pages: nothing is repeated or skipped.
 */
import { Type, type Static } from '@sinclair/typebox'
import { JobSchema } from './compute.js'
import { DeploymentSchema } from './serving.js'
import { ObjectSummarySchema } from './storage.js'

export const DEFAULT_PAGE_LIMIT = 100
export const MAX_PAGE_LIMIT = 500

/** The paging fields of a list's query string. A cursor the hub did not give out is INVALID_CURSOR. */
export const PAGE_QUERY_FIELDS = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT, description: `items per page (1..${MAX_PAGE_LIMIT})` })),
  cursor: Type.Optional(Type.String({ description: "the previous page's nextCursor (opaque)" })),
}
export const PageQuerySchema = Type.Object(PAGE_QUERY_FIELDS, { additionalProperties: false })
export type PageQuery = Static<typeof PageQuerySchema>

export const NextCursorSchema = Type.Union([Type.String(), Type.Null()], { description: 'pass as ?cursor= for the next page; null on the last page' })

export const JobListSchema = Type.Object({ jobs: Type.Array(JobSchema), nextCursor: NextCursorSchema })
export type JobList = Static<typeof JobListSchema>
export const DeploymentListSchema = Type.Object({ deployments: Type.Array(DeploymentSchema), nextCursor: NextCursorSchema })
export type DeploymentList = Static<typeof DeploymentListSchema>
export const ObjectListSchema = Type.Object({ objects: Type.Array(ObjectSummarySchema), nextCursor: NextCursorSchema })
export type ObjectList = Static<typeof ObjectListSchema>
