import { describe, expect, it } from 'vitest'
import { devnetNodeOptions, machineShare } from '../src/index.js'
import { nodeArgs } from '../src/processes.js'

describe('devnet node resources', () => {
  it("split the machine's cores and memory between the nodes, never more than it has", () => {
    const machine = { cores: 2, memoryBytes: 8 * 1024 ** 3 }
    expect(machineShare(5, machine)).toEqual({ cpu: 0.4, memoryGb: 1.6 })
    expect(machineShare(3, machine)).toEqual({ cpu: 0.66, memoryGb: 2.66 })
    expect(machineShare(1, machine)).toEqual({ cpu: 2, memoryGb: 8 })
    for (const n of [1, 3, 5, 7, 64]) {
      const s = machineShare(n, machine)
      expect(s.cpu * n).toBeLessThanOrEqual(2)
      expect(s.memoryGb * n).toBeLessThanOrEqual(8)
      expect(s.cpu).toBeGreaterThan(0)
    }
  })

  it('start nodes declaring no GPU and no made-up disk', () => {
    for (let i = 0; i < 12; i++) {
      const options = devnetNodeOptions('/tmp/devnet', i, 'http://127.0.0.1:1', 12)
      expect(options.gpus ?? []).toEqual([])
      expect(options.diskGb).toBeUndefined()
      expect(nodeArgs(options).some((a) => a.startsWith('--gpu'))).toBe(false)
    }
  })
})
