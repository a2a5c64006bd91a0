import { Value } from '@sinclair/typebox/value'
import { describe, expect, it } from 'vitest'
import { WorkNudgeSchema } from '../src/index.js'

describe('the work nudge on the heartbeat socket', () => {
  it('is { type: "work", kind: "fl" | "task" } and nothing else', () => {
    for (const good of [{ type: 'work', kind: 'fl' }, { type: 'work', kind: 'task' }]) expect(Value.Check(WorkNudgeSchema, good), JSON.stringify(good)).toBe(true)
    const bad = [
      { type: 'work' },
      { type: 'work', kind: 'storage' },
      { type: 'work', kind: 1 },
      { type: 'work', kind: 'fl', nodes: ['n_x'] },
      { type: 'welcome', kind: 'fl' },
      { kind: 'fl' },
      null,
      'work',
      [],
    ]
    for (const value of bad) expect(Value.Check(WorkNudgeSchema, value), JSON.stringify(value)).toBe(false)
  })
})
