import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FlTraining } from '@w3ai/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flReporter } from '../src/commands/fl-progress.js'
import { describeTraining, flJson, trainingRow } from '../src/commands/fl-views.js'
import { parseJson, tempHome, w3aiInProcess } from './helpers.js'

const round = (n: number, over: Record<string, unknown> = {}) => ({ round: n, status: 'completed' as const, participants: 3, dropouts: n === 2 ? 1 : 0, accuracy: [0, 0.81, 0.82][n] ?? null, loss: 1 / n, metrics: {}, startedAt: '', finishedAt: '', ...over })
const training = (over: Partial<FlTraining> = {}): FlTraining => ({
  id: 'fl_0123456789abcdef01234567', owner: 'a_1', name: 'digits', status: 'running', config: { model: {}, datasets: ['d'], rounds: 3 },
  clients: [{ id: 'n_1/d', nodeId: 'n_1', dataset: 'd', rows: 10 }], evaluators: [], round: 0, rounds: [], modelReady: false, modelCid: null, error: null,
  createdAt: '2026-12-03T00:00:00.000Z', updatedAt: '', finishedAt: null, ...over,
})

describe('fl views', () => {
  it('--json carries id, status, modelCid and each round with accuracy, loss, participants, dropouts (and epsilon under dp)', () => {
    const t = training({ status: 'succeeded', round: 2, rounds: [round(1), round(2, { epsilon: 0.5 })], modelCid: 'bafkqaaa' })
    const json = flJson(t)
    expect(json).toMatchObject({ id: t.id, status: 'succeeded', modelCid: 'bafkqaaa', round: 2 })
    expect(json.rounds).toEqual([
      { round: 1, status: 'completed', accuracy: 0.81, loss: 1, participants: 3, dropouts: 0 },
      { round: 2, status: 'completed', accuracy: 0.82, loss: 0.5, participants: 3, dropouts: 1, epsilon: 0.5 },
    ])
  })

  it('--json carries a decentralized training\'s topology, and none for a central one', () => {
    const topology = { labels: ['n_1/a', 'n_2/b'], overlay: 'ring' as const, computeMs: 10, edges: [{ from: 0, to: 1, delayMs: 14, multiplicity: 1 }, { from: 1, to: 0, delayMs: 14, multiplicity: 1 }], stateCount: 1, cycleTimeMs: 14 }
    expect(flJson(training({ topology })).topology).toEqual(topology)
    expect(flJson(training())).not.toHaveProperty('topology')
  })

  it('--json of a listed training (fl ls) prints its summary: id, status, setup and progress', () => {
    const summary = { id: 'fl_0123456789abcdef01234567', name: 'digits', status: 'running' as const, mode: 'central' as const, secure: 'secagg+' as const, strategy: 'fedavg', dp: false, round: 2, roundsPlanned: 5, clientCount: 3, accuracy: 0.9, loss: 0.3, modelCid: null, error: null, createdAt: '2026-12-03T00:00:00.000Z', updatedAt: '2026-12-03T00:01:00.000Z', finishedAt: null }
    expect(flJson(summary)).toEqual({ id: summary.id, name: 'digits', status: 'running', mode: 'central', secure: 'secagg+', strategy: 'fedavg', dp: false, round: 2, roundsPlanned: 5, clients: 3, accuracy: 0.9, loss: 0.3, modelCid: null, error: null, createdAt: summary.createdAt, updatedAt: summary.updatedAt, finishedAt: null })
    expect(trainingRow(summary)).toEqual([summary.id, 'running', '2/5', '0.9000', '3', '-', summary.createdAt])
  })

  it('shows a training with its rounds table and how to store its model', () => {
    const text = describeTraining(training({ status: 'stopped', round: 1, rounds: [round(1)], modelReady: true }))
    expect(text).toContain('training fl_0123456789abcdef01234567 (digits): stopped, round 1/3, 1 clients')
    expect(text).toMatch(/ROUND\s+STATUS\s+ACCURACY\s+LOSS\s+PARTICIPANTS\s+DROPOUTS\s+EPSILON/)
    expect(text).toMatch(/1\s+completed\s+0\.8100\s+1\.0000\s+3\s+0\s+-/)
    expect(text).toContain('w3ai fl save fl_0123456789abcdef01234567')
    expect(describeTraining(training({ awaitingOwner: 2 }))).toContain('round 2 waits for you to decrypt it: keep `w3ai fl owner fl_0123456789abcdef01234567` running')
  })

  it('follows a training line by line where the output cannot be redrawn, one line per new round', () => {
    let written = ''
    const stream = { isTTY: false, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream
    const reporter = flReporter({ quiet: false, stream })
    reporter.onUpdate(training())
    reporter.onUpdate(training({ round: 1, rounds: [round(1)] }))
    reporter.onUpdate(training({ round: 1, rounds: [round(1)] }))
    reporter.onUpdate(training({ status: 'succeeded', round: 2, rounds: [round(1), round(2, { status: 'failed', error: { code: 'FL_NOT_ENOUGH_CLIENTS', message: 'none came' } })] }))
    reporter.done()
    expect(written.trim().split('\n')).toEqual([
      'training fl_0123456789abcdef01234567 running',
      'training fl_0123456789abcdef01234567 round 1/3 completed  accuracy 0.8100  loss 1.0000  participants 3  dropouts 0',
      'training fl_0123456789abcdef01234567 round 2/3 failed  accuracy 0.8200  loss 0.5000  participants 3  dropouts 1  FL_NOT_ENOUGH_CLIENTS: none came',
      'training fl_0123456789abcdef01234567 succeeded',
    ])
  })
})

describe('fl commands refuse bad arguments before any request', () => {
  let home: { path: string; remove: () => Promise<void> }
  beforeEach(async () => {
    home = await tempHome()
  })
  afterEach(async () => home.remove())

  const code = async (...args: string[]): Promise<string> => parseJson<{ error: { code: string } }>((await w3aiInProcess([...args, '--home', home.path, '--hub', 'http://127.0.0.1:1', '--json'])).stdout).error.code

  it.each([['status'], ['stop'], ['resume'], ['save']])('fl %s refuses an id that is not a training id', async (cmd) => {
    expect(await code('fl', cmd, 'j_123')).toBe('CLI_BAD_ARGUMENT')
  })

  it('fl run refuses a config file that is missing or not a JSON object', async () => {
    await writeFile(join(home.path, 'list.json'), '[1, 2]')
    await writeFile(join(home.path, 'broken.json'), '{ "rounds": ')
    expect(await code('fl', 'run', '--config', join(home.path, 'missing.json'))).toBe('CLI_BAD_ARGUMENT')
    expect(await code('fl', 'run', '--config', join(home.path, 'list.json'))).toBe('CLI_BAD_ARGUMENT')
    expect(await code('fl', 'run', '--config', join(home.path, 'broken.json'))).toBe('CLI_BAD_ARGUMENT')
  })

  it('fl run needs an account identity', async () => {
    await writeFile(join(home.path, 'fl.json'), '{}')
    expect(await code('fl', 'run', '--config', join(home.path, 'fl.json'))).toBe('IDENTITY_NOT_FOUND')
  })
})
