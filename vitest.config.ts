import { defineConfig } from 'vitest/config'
import { LongestFirstSequencer } from './scripts/test-sequencer.js'

// One suite for every package. Devnet tests start real hub and node processes, so files run in
// at most two workers (the CI machine has two cores) and get generous timeouts. A few files are
// timing-sensitive under load (node kills with short leases, repair within grace periods) and
// heavy themselves (100 sandboxed tasks; the one-slot burst too): they run after the rest, one
// at a time. Within each group the longest files start first (scripts/test-sequencer.ts), so a
// long devnet file does not start last and leave the other worker idle.
const EXCLUSIVE = ['packages/hub/test/compute.e2e.test.ts', 'packages/hub/test/durability.e2e.test.ts', 'packages/node/test/task-slots.devnet.test.ts']

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      { extends: true, test: { name: 'suite', include: ['packages/*/test/**/*.test.ts'], exclude: EXCLUSIVE, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'exclusive', include: EXCLUSIVE, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
})
