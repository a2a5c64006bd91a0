// Writes scripts/test-durations.json (seconds per test file, what the test sequencer orders by) from
// a Vitest JSON report: `npm test -- --reporter=json --outputFile.json=R.json`, then
// `node scripts/test-durations.mjs R.json [ROOT]`, ROOT being the checkout the report was made in
// (this one by default; .ci/run's clean clone is another).
import { readFileSync, writeFileSync } from 'node:fs'
import { relative } from 'node:path'

const [reportPath, reportRoot] = process.argv.slice(2)
if (reportPath === undefined) {
  console.error('usage: node scripts/test-durations.mjs VITEST-REPORT.json [ROOT]')
  process.exit(2)
}
const root = reportRoot ?? new URL('..', import.meta.url).pathname
const report = JSON.parse(readFileSync(reportPath, 'utf8'))
const durations = {}
for (const file of report.testResults) {
  const seconds = (file.endTime - file.startTime) / 1000
  if (Number.isFinite(seconds)) durations[relative(root, file.name)] = Math.round(seconds * 10) / 10
}
const sorted = Object.fromEntries(Object.entries(durations).sort(([, a], [, b]) => b - a))
writeFileSync(new URL('./test-durations.json', import.meta.url), JSON.stringify(sorted, null, 2) + '\n')
console.log(`${Object.keys(sorted).length} files, ${Object.values(sorted).reduce((s, x) => s + x, 0).toFixed(0)} s in all`)
