/**
 * Decentralized topologies: the cycle time (ms per communication round, specs/multigraph.md
 * section 6) of the multigraph on the five networks of the multigraph paper, against the ring it is
 * built on (the baseline, computed in the same run) and the star and MST overlays. Also the time
 * this machine takes to build and evaluate each multigraph.
 *
 *   npm run bench -- fl-topology [--setting femnist|sent140|inaturalist|all]
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { buildTopology, cycleTime, parseGml, type OverlayKind } from '@w3ai/federated'
import { printTable, writeResult } from './lib/report.js'

const { values } = parseArgs({ options: { setting: { type: 'string', default: 'all' } } })

// Model size (bit), compute time per round (ms) and rounds of the paper's three experiments.
const SETTINGS = {
  femnist: { modelBits: 4_843_243, computeMs: 4.6, rounds: 6400 },
  sent140: { modelBits: 19_269_416, computeMs: 9.8, rounds: 20_000 },
  inaturalist: { modelBits: 44_961_717, computeMs: 25.4, rounds: 1600 },
} as const
const NETWORKS = ['gaia', 'amazon_us', 'geantdistance', 'exodus', 'ebone'] as const
const ARCHS: ReadonlyArray<readonly [string, OverlayKind, number]> = [
  ['multigraph', 'ring', 5],
  ['ring', 'ring', 1],
  ['star', 'star', 1],
  ['mst', 'mst', 1],
]

const chosen = values.setting === 'all' ? (Object.keys(SETTINGS) as Array<keyof typeof SETTINGS>) : [values.setting as keyof typeof SETTINGS]
if (chosen.some((s) => !(s in SETTINGS))) {
  console.error(`--setting must be one of ${Object.keys(SETTINGS).join(', ')}, all`)
  process.exit(2)
}

const results: Record<string, Record<string, Record<string, number>>> = {}
for (const setting of chosen) {
  const options = SETTINGS[setting]
  const rows: Array<Array<string | number>> = []
  results[setting] = {}
  for (const name of NETWORKS) {
    const network = parseGml(readFileSync(new URL(`../packages/federated/data/networks/${name}.gml`, import.meta.url), 'utf8'))
    const row: Record<string, number> = {}
    for (const [arch, overlay, tMax] of ARCHS) {
      const started = performance.now()
      const topology = buildTopology(network, { ...options, overlay, tMax })
      row[arch] = cycleTime(topology, options.rounds).cycleTimeMs
      if (arch === 'multigraph') {
        row.multigraphStates = topology.stateCount
        row.multigraphEvaluationMs = performance.now() - started
      }
    }
    row.ringOverMultigraph = row.ring! / row.multigraph!
    results[setting][name] = row
    rows.push([name, network.sites.length, row.multigraph!, row.ring!, row.star!, row.mst!, `${row.ringOverMultigraph.toFixed(2)}×`, row.multigraphStates!, Math.round(row.multigraphEvaluationMs!)])
  }
  printTable(
    `${setting}: cycle time (ms), M = ${options.modelBits} bit, Tc = ${options.computeMs} ms, ${options.rounds} rounds`,
    ['network', 'silos', 'multigraph', 'ring', 'star', 'mst', 'ring / multigraph', 'states', 'evaluation ms'],
    rows,
  )
}
console.log(`\nwrote ${await writeResult('fl-topology', { settings: SETTINGS, cycleTimeMs: results })}`)
