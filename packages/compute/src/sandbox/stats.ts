/** What one sandboxed task cost; reported on success and failure alike (metering, tests). */
export interface SandboxStats {
  /** Time the executor ran (from its start to its answer or its kill), the figure timeMs limits. */
  runMs: number
  /** Time from spawning the child to its exit. */
  totalMs: number
  /** Largest resident memory sampled while the task ran. */
  peakRssBytes: number
}
