/** Pure storage rules: the redundancy an upload gets when it names none (issue 8 C1). */
import { describe, expect, it } from 'vitest'
import { checkRedundancy, fittingRedundancy } from '../src/domains/storage/rules.js'

describe('fittingRedundancy', () => {
  it('keeps the default 4-of-6 (repair at 5) on 6 nodes or more', () => {
    expect(fittingRedundancy(6)).toEqual({ k: 4, n: 6, repairThreshold: 5 })
    expect(fittingRedundancy(500)).toEqual({ k: 4, n: 6, repairThreshold: 5 })
  })

  it("fits a smaller network: npm start's five nodes get 3-of-5", () => {
    expect(fittingRedundancy(5)).toEqual({ k: 3, n: 5, repairThreshold: 4 })
    expect(fittingRedundancy(4)).toEqual({ k: 3, n: 4, repairThreshold: 4 })
    expect(fittingRedundancy(3)).toEqual({ k: 2, n: 3, repairThreshold: 3 })
    expect(fittingRedundancy(2)).toEqual({ k: 1, n: 2, repairThreshold: 2 })
  })

  it('always gives a valid redundancy with at least one parity piece, and none below 2 nodes', () => {
    for (let nodes = 2; nodes <= 10; nodes++) {
      const r = fittingRedundancy(nodes)!
      expect(() => checkRedundancy(r)).not.toThrow()
      expect(r.n - r.k).toBeGreaterThanOrEqual(1)
      expect(r.n).toBeLessThanOrEqual(nodes)
    }
    expect(fittingRedundancy(1)).toBeUndefined()
    expect(fittingRedundancy(0)).toBeUndefined()
  })
})
