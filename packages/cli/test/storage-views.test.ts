/** What `w3ai storage ls|info` show of an object's health, as the hub reports it (issue 8 B7). */
import type { ObjectSummary } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { describeSummary, healthOf, objectRow, OBJECT_COLUMNS } from '../src/commands/storage-views.js'

const summary = (over: Partial<ObjectSummary>): ObjectSummary => ({
  cid: 'bafyexample',
  name: 'data.csv',
  size: 1024,
  owner: 'a_00000000000000000000',
  createdAt: '2026-01-01T00:00:00.000Z',
  segments: 1,
  redundancy: { k: 3, n: 5, repairThreshold: 4 },
  minHealthyPieces: 5,
  health: { state: 'healthy', healthyPieces: 5, needed: 3, target: 5 },
  ...over,
})

describe('storage views', () => {
  it('marks an under-replicated object in ls and says why in info', () => {
    const s = summary({ minHealthyPieces: 3, health: { state: 'under-replicated', healthyPieces: 3, needed: 3, target: 5 } })
    const row = objectRow(s)
    expect(row[OBJECT_COLUMNS.indexOf('HEALTH')]).toBe('under-replicated')
    expect(describeSummary(s)).toMatch(/health\s+under-replicated: at least 3 of 5 pieces healthy in every segment, 3 needed; repair found no node/)
    expect(healthOf(s)).toEqual({ status: 'under-replicated', minHealthyPieces: 3, k: 3, n: 5, repairThreshold: 4 })
  })

  it("judges from the counts when the hub sends no health", () => {
    const { health: _, ...old } = summary({})
    expect(healthOf({ ...old, minHealthyPieces: 2 }).status).toBe('lost')
    expect(healthOf({ ...old, minHealthyPieces: 3 }).status).toBe('repairing')
    expect(healthOf({ ...old, minHealthyPieces: 4 }).status).toBe('healthy')
  })
})
