import { describe, expect, it } from 'vitest'
import { ANY_JOB, MAX_STAMPS, planRefresh, stampJob, type JobStamps } from '../src/jobs/updates.js'

function stamps(...ids: string[]): JobStamps {
  return ids.reduce<JobStamps>((s, id, i) => stampJob(s, id, i + 1), new Map())
}

describe('job update stamps', () => {
  it("refetches the list (and the open job) for the account's own jobs", () => {
    expect(planRefresh(stamps('j_mine'), 0, new Set(['j_mine']), 'j_mine')).toEqual({ list: true, detail: true })
    expect(planRefresh(stamps('j_mine'), 0, new Set(['j_mine', 'j_open']), 'j_open')).toEqual({ list: true, detail: false })
  })

  it('refetches the list at once for an id it does not know: the signed stream carries only our jobs, so it is a new one', () => {
    expect(planRefresh(stamps('j_new'), 0, new Set(['j_mine']), 'j_mine')).toEqual({ list: true, detail: false })
  })

  it('treats the upkeep announcement as touching every job', () => {
    expect(planRefresh(stamps(ANY_JOB), 0, new Set(), 'j_open')).toEqual({ list: true, detail: true })
  })

  it('ignores events already acted on', () => {
    const s = stamps('j_mine', 'j_other')
    expect(planRefresh(s, 2, new Set(['j_mine']), 'j_mine')).toEqual({ list: false, detail: false })
    expect(planRefresh(stampJob(s, 'j_mine', 3), 2, new Set(['j_mine']), null)).toEqual({ list: true, detail: false })
  })

  it('keeps only the most recent ids', () => {
    let s: JobStamps = new Map()
    for (let i = 0; i < MAX_STAMPS + 10; i++) s = stampJob(s, `j_${i}`, i + 1)
    expect(s.size).toBe(MAX_STAMPS)
    expect(s.has('j_0')).toBe(false)
    expect(s.get(`j_${MAX_STAMPS + 9}`)).toBe(MAX_STAMPS + 10)
  })
})
