/**
 * Longest test files first, from durations committed in scripts/test-durations.json.
 *
 * Vitest orders files by the durations it cached on earlier runs on this machine; a clean clone (CI)
 * has no cache, so files ran in glob order and a long devnet file that started late left the other
 * worker idle at the end. With two workers, starting the longest first (LPT scheduling) keeps the
 * tail short. Files missing from the table count as the median duration. Group order and project
 * order still come first, as in Vitest's own sequencer.
 *
 * Refresh the table from a JSON report: `node scripts/test-durations.mjs REPORT.json`.
 */
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

type Durations = Record<string, number>

function load(): Durations {
  try {
    return JSON.parse(readFileSync(new URL('./test-durations.json', import.meta.url), 'utf8')) as Durations
  } catch {
    return {}
  }
}

export class LongestFirstSequencer extends BaseSequencer {
  private readonly durations = load()

  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const known = Object.values(this.durations).sort((a, b) => a - b)
    const median = known.length === 0 ? 0 : (known[Math.floor(known.length / 2)] as number)
    const estimate = (spec: TestSpecification): number => this.durations[relative(this.ctx.config.root, spec.moduleId).replaceAll('\\', '/')] ?? median
    return [...files].sort((a, b) => {
      const group = a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder
      if (group !== 0) return group
      if (a.project.name !== b.project.name) return a.project.name < b.project.name ? -1 : 1
      return estimate(b) - estimate(a)
    })
  }
}
