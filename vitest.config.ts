import { defineConfig } from 'vitest/config'

// One suite for every package. Devnet tests start real hub and node processes, so files run in
// at most two workers (the CI machine has two cores) and get generous timeouts.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
})
