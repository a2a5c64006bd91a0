import { describe, expect, it } from 'vitest'
import { formatGb, formatGpus, loadSummary, placeOf, shortId, timeAgo } from '../src/format.js'
import { makeLoad, makeNode } from './fixtures.js'

describe('display formatting', () => {
  it('shortens node ids but keeps short strings whole', () => {
    expect(shortId('n_3fa9c10b2d4e5f607182')).toBe('n_3fa9c10b…')
    expect(shortId('n_1')).toBe('n_1')
  })

  it('prints gigabytes, switching to TB past 1000 GB', () => {
    expect(formatGb(3.45)).toBe('3.5 GB')
    expect(formatGb(512)).toBe('512 GB')
    expect(formatGb(4500)).toBe('4.5 TB')
  })

  it('says how long ago, or never', () => {
    const now = Date.parse('2030-01-01T00:10:00Z')
    expect(timeAgo(null, now)).toBe('never')
    expect(timeAgo('2030-01-01T00:10:00Z', now)).toBe('just now')
    expect(timeAgo('2030-01-01T00:09:48Z', now)).toBe('12 s ago')
    expect(timeAgo('2030-01-01T00:05:00Z', now)).toBe('5 min ago')
    expect(timeAgo('2029-12-31T21:00:00Z', now)).toBe('3 h ago')
  })

  it('names the place, the GPUs and the load', () => {
    expect(placeOf(makeNode(0))).toBe('Frankfurt, eu-central')
    expect(placeOf(makeNode(0, { location: { lat: 0, lon: 0, region: 'af-west' } }))).toBe('eu-central')
    expect(formatGpus(makeNode(2))).toBe('1× RTX 4090')
    expect(formatGpus(makeNode(1))).toBe('—')
    expect(loadSummary(makeNode(1, { load: makeLoad({ cpuPercent: 41.6, memoryUsedGb: 2, runningTasks: 3 }) }))).toBe('CPU 42% · mem 2 GB · 3 tasks')
    expect(loadSummary(makeNode(1, { load: null }))).toBe('no load reported')
  })
})
