import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Pipeline, PipelineSegment } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pipelineReporter } from '../src/commands/pipeline-progress.js'
import { describePipeline, pipelineRow } from '../src/commands/pipeline-views.js'
import { parseJson, tempHome, w3aiInProcess } from './helpers.js'

const MODEL = 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'
const ID = 'p_0123456789abcdef01234567'

type Stages = PipelineSegment['stages']
const stages = (done: number, active = true): Stages => {
  const names = ['encrypt', 'segment', 'allocate', 'compute', 'collect'] as const
  return Object.fromEntries(names.map((n, i) => [n, i < done ? 'done' : i === done && active ? 'active' : 'pending'])) as Stages
}
const segment = (index: number, over: Partial<PipelineSegment> = {}): PipelineSegment => ({
  index, rows: 5, input: null, jobId: null, nodeId: null, attempts: 0, stage: 'encrypt', stages: stages(0), result: null, error: null, ...over,
})
const pipeline = (over: Partial<Pipeline> = {}): Pipeline => ({
  id: ID, owner: 'a_0123456789abcdef0123', model: MODEL, privacy: 'he', rows: 10, status: 'running',
  createdAt: '2026-12-03T00:00:00.000Z', finishedAt: null, segments: [segment(0), segment(1)], ...over,
}) as Pipeline

describe('pipeline views', () => {
  it('shows a pipeline with each segment\'s stages, node and job', () => {
    const text = describePipeline(pipeline({ segments: [segment(0, { stage: 'compute', stages: stages(3), nodeId: 'n_1', jobId: 'j_1' }), segment(1, { stage: 'failed', stages: { ...stages(2, false), allocate: 'failed' }, error: { code: 'JOB_NO_CAPACITY', message: 'no node' } })] }))
    expect(text).toContain(`pipeline ${ID} (privacy he): running, 10 rows in 2 segments, 0 done`)
    expect(text).toMatch(/SEGMENT\s+ROWS\s+STAGE\s+ENCRYPT\s+SEGMENT\s+ALLOCATE\s+COMPUTE\s+COLLECT\s+NODE\s+JOB\s+ERROR/)
    expect(text).toMatch(/0\s+5\s+compute\s+done\s+done\s+done\s+active\s+pending\s+n_1\s+j_1\s+-/)
    expect(text).toMatch(/1\s+5\s+failed\s+done\s+done\s+failed\s+pending\s+pending\s+-\s+-\s+JOB_NO_CAPACITY: no node/)
    expect(pipelineRow(pipeline())).toEqual([ID, 'running', 'he', '10', '2', MODEL, '2026-12-03T00:00:00.000Z'])
  })

  it('follows a pipeline line by line where the output cannot be redrawn: one line per stage a segment reaches', () => {
    let written = ''
    const stream = { isTTY: false, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream
    const reporter = pipelineReporter({ quiet: false, stream })
    reporter.onUpdate(pipeline())
    reporter.onUpdate(pipeline({ segments: [segment(0, { stage: 'compute', stages: stages(3), nodeId: 'n_1' }), segment(1)] }))
    reporter.onUpdate(pipeline({ segments: [segment(0, { stage: 'compute', stages: stages(3), nodeId: 'n_1' }), segment(1)] }))
    reporter.onUpdate(pipeline({ status: 'succeeded', segments: [segment(0, { stage: 'done', stages: stages(5) }), segment(1, { stage: 'done', stages: stages(5) })] }))
    reporter.done()
    expect(written.trim().split('\n')).toEqual([
      `pipeline ${ID} running`,
      `pipeline ${ID} segment 1/2 encrypt (5 rows)`,
      `pipeline ${ID} segment 2/2 encrypt (5 rows)`,
      `pipeline ${ID} segment 1/2 compute on n_1 (5 rows)`,
      `pipeline ${ID} succeeded`,
      `pipeline ${ID} segment 1/2 done (5 rows)`,
      `pipeline ${ID} segment 2/2 done (5 rows)`,
    ])
  })

  it('is silent with --json', () => {
    let written = ''
    const stream = { isTTY: true, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream
    const reporter = pipelineReporter({ quiet: true, stream })
    reporter.onUpdate(pipeline())
    reporter.note('decrypting')
    reporter.done()
    expect(written).toBe('')
  })
})

/**
 * Each refusal comes before any request: the hub given (port 1) answers nothing, so a command that
 * sent one would fail HUB_UNREACHABLE instead, and nothing can have been created.
 */
describe('pipeline commands refuse bad arguments before any request', () => {
  let home: Awaited<ReturnType<typeof tempHome>>
  let rows: string
  beforeAll(async () => {
    home = await tempHome()
    rows = join(home.path, 'rows.csv')
    await writeFile(rows, 'x1,x2\n1,2\n3,4\n')
    await writeFile(join(home.path, 'typo.csv'), '1,2\n3,4\n5,six\n')
  })
  afterAll(async () => home.remove())

  const refused = async (...args: string[]): Promise<{ code: number; error: string; message: string }> => {
    const r = await w3aiInProcess([...args, '--home', home.path, '--hub', 'http://127.0.0.1:1', '--json'])
    const { error } = parseJson<{ error: { code: string; message: string } }>(r.stdout)
    return { code: r.code, error: error.code, message: error.message }
  }
  const run = (...over: string[]): string[] => ['pipeline', 'run', '--model', MODEL, '--input', rows, '--privacy', 'key', ...over]

  it.each([
    ['--privacy', 'ckks'],
    ['--segments', '0'],
    ['--segments', '65'],
    ['--segments', '2.5'],
    ['--sigmoid', 'tanh'],
    ['--timeout', '-1'],
  ])('pipeline run refuses %s %s with CLI_BAD_ARGUMENT (exit 2)', async (flag, value) => {
    const r = await refused(...run(flag, value))
    expect([r.code, r.error]).toEqual([2, 'CLI_BAD_ARGUMENT'])
    expect(r.message).toContain(flag)
  })

  it('pipeline run refuses a model that is not a CID (STORAGE_BAD_CID), and needs --model, --input and --privacy', async () => {
    expect((await refused('pipeline', 'run', '--model', 'not-a-cid', '--input', rows, '--privacy', 'he')).error).toBe('STORAGE_BAD_CID')
    for (const missing of ['--model', '--input', '--privacy']) {
      const args = run().filter((a, i, all) => a !== missing && all[i - 1] !== missing)
      const r = await refused(...args)
      expect([r.code, r.error], missing).toEqual([2, 'CLI_BAD_ARGUMENT'])
    }
  })

  it('pipeline run refuses --sigmoid without --privacy he, and more segments than rows', async () => {
    expect((await refused(...run('--sigmoid', 'poly'))).message).toContain('--sigmoid')
    const many = await refused(...run('--segments', '3'))
    expect([many.error, many.message]).toEqual(['CLI_BAD_ARGUMENT', expect.stringContaining('--segments 3 is more than the 2 rows')])
  })

  it('pipeline run refuses an input file with a word among the numbers, naming its line', async () => {
    const r = await refused('pipeline', 'run', '--model', MODEL, '--input', join(home.path, 'typo.csv'), '--privacy', 'he', '--wait')
    expect([r.code, r.error]).toEqual([2, 'CLI_BAD_ARGUMENT'])
    expect(r.message).toContain('line 3, column 2: "six" is not a number')
    expect((await refused('pipeline', 'run', '--model', MODEL, '--input', join(home.path, 'missing.csv'), '--privacy', 'he')).error).toBe('CLI_BAD_ARGUMENT')
  })

  it('pipeline run refuses --privacy he without --wait (only this process could decrypt), and --timeout without --wait', async () => {
    const he = await refused('pipeline', 'run', '--model', MODEL, '--input', rows, '--privacy', 'he')
    expect([he.code, he.error, he.message]).toEqual([2, 'CLI_BAD_ARGUMENT', expect.stringContaining('--privacy he needs --wait')])
    expect((await refused(...run('--timeout', '60'))).message).toContain('--timeout')
  })

  it('pipeline run needs an account identity', async () => {
    expect((await refused(...run())).error).toBe('IDENTITY_NOT_FOUND')
  })

  it('pipeline show refuses an id that is not a pipeline id', async () => {
    expect((await refused('pipeline', 'show', 'j_0123456789abcdef01234567')).error).toBe('CLI_BAD_ARGUMENT')
  })

  it('pipeline collect refuses an id that is not a pipeline id, a bad --timeout, and needs an identity', async () => {
    const id = await refused('pipeline', 'collect', 'j_0123456789abcdef01234567')
    expect([id.code, id.error, id.message]).toEqual([2, 'CLI_BAD_ARGUMENT', expect.stringContaining('j_0123456789abcdef01234567')])
    for (const timeout of ['-1', '0', 'soon']) {
      const r = await refused('pipeline', 'collect', ID, '--timeout', timeout)
      expect([r.code, r.error, r.message], timeout).toEqual([2, 'CLI_BAD_ARGUMENT', expect.stringContaining('--timeout')])
    }
    expect((await refused('pipeline', 'collect')).error).toBe('CLI_BAD_ARGUMENT')
    expect((await refused('pipeline', 'collect', ID)).error).toBe('IDENTITY_NOT_FOUND')
  })

  it('pipeline ls refuses a --limit outside 1..500', async () => {
    expect((await refused('pipeline', 'ls', '--limit', '0')).error).toBe('CLI_BAD_ARGUMENT')
  })
})
