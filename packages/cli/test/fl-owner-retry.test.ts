/**
 * A ckks training waits for its owner, and nothing about it changes meanwhile: an owner whose
 * answer failed once (a lost connection, a busy hub) must try again by itself, or the round waits
 * out the hub's owner timeout.
 */
import type { FlTraining } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { answerRound } from '../src/commands/fl-owner.js'

const waiting = (round: number | null): FlTraining => ({ id: 'fl_1', awaitingOwner: round }) as unknown as FlTraining
const fast = { attempts: 4, pauseMs: 1 }

describe('answerRound', () => {
  it('tries a failed answer again until it goes through', async () => {
    const failures: number[] = []
    let calls = 0
    await answerRound(
      async () => {
        calls++
        if (calls < 3) throw new Error('socket hang up')
        return true
      },
      async () => waiting(4),
      waiting(4),
      (_, attempt) => failures.push(attempt),
      fast,
    )
    expect(calls).toBe(3)
    expect(failures).toEqual([1, 2])
  })

  it('stops trying once no round waits, and after its last attempt', async () => {
    let calls = 0
    const failing = async (): Promise<boolean> => {
      calls++
      throw new Error('down')
    }
    await answerRound(failing, async () => waiting(null), waiting(2), () => undefined, fast)
    expect(calls).toBe(1)
    calls = 0
    await answerRound(failing, async () => waiting(2), waiting(2), () => undefined, fast)
    expect(calls).toBe(fast.attempts)
  })
})
