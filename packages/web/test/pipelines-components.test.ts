/** The pipelines tab's components and helpers: what each shows for a given pipeline. */
import { createElement, type FunctionComponent } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import type { Pipeline, PipelineSegment, PipelineSummary } from '@w3ai/protocol'
import { PipelineDetail } from '../src/components/pipelines/PipelineDetail.js'
import { PipelineTable } from '../src/components/pipelines/PipelineTable.js'
import { pipelineHash, pipelineIdFromHash } from '../src/pipelines/hash.js'
import { pipelineProgress, PIPELINE_STAGES, privacyNote } from '../src/pipelines/stages.js'

const render = <P extends object>(component: FunctionComponent<P>, props: P): string => renderToStaticMarkup(createElement(component, props))
const count = (html: string, pattern: RegExp): number => html.match(new RegExp(pattern, 'g'))?.length ?? 0

const MODEL = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const RESULT = 'bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy'

function segment(index: number, patch: Partial<PipelineSegment> = {}): PipelineSegment {
  return {
    index,
    rows: 100,
    input: null,
    jobId: null,
    nodeId: null,
    attempts: 0,
    stage: 'encrypt',
    stages: { encrypt: 'active', segment: 'pending', allocate: 'pending', compute: 'pending', collect: 'pending' },
    result: null,
    error: null,
    ...patch,
  }
}

const DONE = { encrypt: 'done', segment: 'done', allocate: 'done', compute: 'done', collect: 'done' } as const

function pipeline(patch: Partial<Pipeline> = {}): Pipeline {
  return {
    id: 'p_0123456789abcdef01234567',
    owner: 'acct',
    model: MODEL,
    privacy: 'key',
    rows: 300,
    keys: null,
    params: null,
    status: 'running',
    createdAt: '2025-01-01T10:00:00.000Z',
    finishedAt: null,
    segments: [
      segment(0, { stage: 'done', stages: DONE, nodeId: 'n_aaaaaaaaaaaaaaaa', attempts: 1, result: RESULT, jobId: 'j_1' }),
      segment(1, { stage: 'compute', stages: { ...DONE, compute: 'active', collect: 'pending' }, nodeId: 'n_bbbbbbbbbbbbbbbb', attempts: 2, jobId: 'j_2' }),
      segment(2, { stage: 'failed', stages: { ...DONE, compute: 'failed', collect: 'pending' }, attempts: 3, error: { code: 'JOB_FAILED', message: 'no node could run it' } }),
    ],
    ...patch,
  }
}

describe('pipeline detail', () => {
  it('shows every segment as a row of the five stages in order, each with its state', () => {
    const html = render(PipelineDetail, { pipeline: pipeline(), nodes: new Map() })
    expect(count(html, /data-testid="pipeline-segment"/)).toBe(3)
    expect(count(html, /data-testid="pipeline-stage"/)).toBe(15)
    const order = [...html.matchAll(/data-testid="pipeline-stage" data-stage="(\w+)"/g)].slice(0, 5).map((m) => m[1])
    expect(order).toEqual([...PIPELINE_STAGES])
    expect(html).toContain('data-stage="compute" data-state="active"')
    expect(html).toContain('data-stage="compute" data-state="failed"')
  })

  it('names the computing node, counts attempts, shows the result CID and a segment error', () => {
    const nodes = new Map([['n_aaaaaaaaaaaaaaaa', { name: 'frankfurt-1' }]]) as unknown as ReadonlyMap<string, never>
    const html = render(PipelineDetail, { pipeline: pipeline(), nodes })
    expect(html).toContain('frankfurt-1')
    expect(html).toContain('data-attempts="2"')
    expect(html).toContain(`data-result="${RESULT}"`)
    expect(html).toContain(`title="${RESULT}"`)
    expect(html).toContain('no node could run it')
    expect(html).toMatch(/1 of 3 segments done.*1 failed.*2 dispatched again/)
  })

  it('explains the privacy level in plain words', () => {
    expect(render(PipelineDetail, { pipeline: pipeline({ privacy: 'he' }), nodes: new Map() })).toContain('compute on ciphertexts')
    expect(render(PipelineDetail, { pipeline: pipeline({ privacy: 'key' }), nodes: new Map() })).toContain('wrapped to the computing node only')
    expect(privacyNote('quantum').title).toBe('quantum')
  })
})

describe('pipeline list', () => {
  const props = { error: null, selected: null, onSelect: () => {}, onRefresh: () => {}, hasMore: false, loadingMore: false, onMore: () => {} }

  it('says how to start one when the account has none', () => {
    const html = render(PipelineTable, { ...props, pipelines: [] })
    expect(html).toContain('data-testid="pipelines-empty"')
    expect(html).toContain('0 pipelines')
  })

  it('shows one row per pipeline with its status and privacy level, and Load more while the hub has more', () => {
    const { id, model, privacy, rows, createdAt, finishedAt } = pipeline()
    const summary: PipelineSummary = { id, model, privacy, rows, createdAt, finishedAt, status: 'succeeded', segmentCount: 3, stageCounts: { encrypt: 0, segment: 0, allocate: 0, compute: 0, collect: 0, done: 2, failed: 1 } }
    const html = render(PipelineTable, { ...props, pipelines: [summary], hasMore: true })
    expect(count(html, /data-testid="pipeline-row"/)).toBe(1)
    expect(html).toContain('data-status="succeeded"')
    expect(html).toContain('Key release')
    expect(html).toMatch(/data-testid="pipeline-row-done">2 \/ 3.*1 failed/)
    expect(html).toContain('data-testid="pipelines-more"')
  })
})

describe('pipeline helpers', () => {
  it('counts done, failed and re-dispatched segments', () => {
    expect(pipelineProgress(pipeline())).toEqual({ total: 3, done: 1, failed: 1, redispatched: 2 })
  })

  it('reads and writes the open pipeline in the address', () => {
    expect(pipelineIdFromHash('#pipelines')).toBeNull()
    expect(pipelineIdFromHash('#pipelines/')).toBeNull()
    expect(pipelineIdFromHash('#jobs')).toBeNull()
    expect(pipelineIdFromHash(pipelineHash('p_abc'))).toBe('p_abc')
    expect(pipelineHash(null)).toBe('#pipelines')
  })
})
