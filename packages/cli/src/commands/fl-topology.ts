/** `w3ai fl topology`: the decentralized overlay of a network and its cycle time (specs/multigraph.md). */
import { readFile, stat } from 'node:fs/promises'
import type { Command } from 'commander'
import { buildTopology, cycleTime, parseGml, topologyState, TOPOLOGY_DEFAULTS, type OverlayKind, type Topology } from '@w3ai/federated'
import { W3aiError } from '@w3ai/protocol'
import { badArgument } from '../args.js'
import { createOut, table } from '../output.js'

const ARCHS = ['ring', 'multigraph', 'star', 'mst'] as const
type Arch = (typeof ARCHS)[number]

/** Largest GML file read (the paper's networks are under 20 KiB). */
const MAX_NETWORK_BYTES = 16 * 1024 * 1024
/** States listed in the human output; --json lists them all. */
const STATES_SHOWN = 12

interface TopologyFlags {
  network: string
  arch: Arch
  modelSize: number
  computeMs: number
  rounds: number
  tMax: number
  uploadBps: number
  downloadBps: number
  linkBps: number
  json?: boolean
}

const DECIMAL = /^\s*(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/

function positiveNumber(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!DECIMAL.test(value) || !Number.isFinite(n) || n <= 0) throw badArgument(flag, value, 'a number > 0 (1e9 and 4.6 are fine)')
    return n
  }
}

function integerIn(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!/^\s*\d+\s*$/.test(value) || n < min || n > max) throw badArgument(flag, value, `an integer ${min}..${max}`)
    return n
  }
}

function parseArch(value: string): Arch {
  if (!(ARCHS as readonly string[]).includes(value)) throw badArgument('--arch', value, `one of ${ARCHS.join(', ')}`)
  return value as Arch
}

async function readNetwork(path: string): Promise<string> {
  try {
    const info = await stat(path)
    if (!info.isFile()) throw badArgument('--network', path, 'a GML file')
    if (info.size > MAX_NETWORK_BYTES) throw badArgument('--network', path, `a GML file of at most ${MAX_NETWORK_BYTES / 1024 / 1024} MiB`)
    return await readFile(path, 'utf8')
  } catch (err) {
    if (err instanceof W3aiError) throw err
    const code = (err as NodeJS.ErrnoException).code
    throw new W3aiError('CLI_BAD_ARGUMENT', code === 'ENOENT' ? `--network: no file at ${path}.` : `--network: ${path} cannot be read (${code ?? (err as Error).message}).`)
  }
}

/** The JSON document (a contract: cycleTimeMs, edges and states keep their names); sites are named by GML label. */
function report(flags: TopologyFlags, topology: Topology, tMax: number, ids: string[]) {
  const name = (v: number): string => topology.labels[v]!
  const { cycleTimeMs } = cycleTime(topology, flags.rounds)
  const states = Array.from({ length: topology.stateCount }, (_, s) => {
    const state = topologyState(topology, s)
    return { state: s, strong: state.strong.map((e) => ({ from: name(e.from), to: name(e.to) })), isolated: state.isolated.map(name) }
  })
  return {
    network: flags.network,
    arch: flags.arch,
    overlay: topology.overlay,
    modelBits: flags.modelSize,
    computeMs: flags.computeMs,
    uploadBps: flags.uploadBps,
    downloadBps: flags.downloadBps,
    linkBps: flags.linkBps,
    tMax,
    rounds: flags.rounds,
    cycleTimeMs,
    sites: topology.labels.map((label, v) => ({ id: ids[v]!, label })),
    stateCount: topology.stateCount,
    edges: topology.edges.map((e) => ({ from: name(e.from), to: name(e.to), multiplicity: e.multiplicity, delayMs: e.delayMs })),
    states,
  }
}

function human(r: ReturnType<typeof report>): string {
  const ms = (x: number): string => x.toFixed(1)
  const what = r.arch === 'multigraph' ? `multigraph over a ring (t_max ${r.tMax})` : `${r.arch} (plain: every edge strong every round)`
  const isolatedCounts = r.states.map((s) => s.isolated.length)
  const lines = [
    `network     ${r.network}: ${r.sites.length} sites`,
    `overlay     ${what}: ${r.edges.length} edges, ${r.stateCount} state${r.stateCount === 1 ? '' : 's'}`,
    '',
    table(
      ['FROM', 'TO', 'MULTIPLICITY', 'DELAY MS'],
      r.edges.map((e) => [e.from, e.to, String(e.multiplicity), ms(e.delayMs)]),
    ),
    '',
    `isolated    per state: min ${Math.min(...isolatedCounts)}, mean ${ms(isolatedCounts.reduce((a, b) => a + b, 0) / isolatedCounts.length)}, max ${Math.max(...isolatedCounts)}`,
    ...r.states.slice(0, STATES_SHOWN).map((s) => `  state ${s.state}: ${s.strong.length} strong edges, ${s.isolated.length === 0 ? 'no silo isolated' : `isolated ${s.isolated.join(', ')}`}`),
    ...(r.stateCount > STATES_SHOWN ? [`  … ${r.stateCount - STATES_SHOWN} more states (--json lists them all)`] : []),
    `cycle time  ${ms(r.cycleTimeMs)} ms (mean over ${r.rounds} rounds)`,
  ]
  return lines.join('\n')
}

export function registerFlTopologyCommand(fl: Command): void {
  const d = TOPOLOGY_DEFAULTS
  fl.command('topology')
    .description(
      'build the decentralized overlay of a network (GML) — ring, multigraph (a ring whose slow edges are used every n-th round), star or mst — and print its edges, states and cycle time (ms) as the multigraph paper defines it. Sites are named by their GML label.',
    )
    .requiredOption('--network <file>', 'GML network: nodes with id and label, edges with source, target, distance (km) and optional capacity (bit/s)')
    .requiredOption('--arch <arch>', `overlay: ${ARCHS.join(', ')}`, parseArch)
    .requiredOption('--model-size <bits>', 'model size M in bits (FEMNIST: 4843243)', positiveNumber('--model-size'))
    .requiredOption('--compute-ms <ms>', 'local compute time per round Tc in ms (FEMNIST: 4.6)', positiveNumber('--compute-ms'))
    .option('--rounds <n>', `rounds the cycle time is averaged over (default ${d.rounds})`, integerIn('--rounds', 1, d.maxRounds), d.rounds)
    .option('--t-max <t>', `most parallel edges per silo pair, multigraph only (default ${d.tMax})`, integerIn('--t-max', 1, d.maxTMax), d.tMax)
    .option('--upload-bps <b>', `upload capacity of each silo, bit/s (default ${d.uploadBps})`, positiveNumber('--upload-bps'), d.uploadBps)
    .option('--download-bps <b>', `download capacity of each silo, bit/s (default ${d.downloadBps})`, positiveNumber('--download-bps'), d.downloadBps)
    .option('--link-bps <b>', `capacity of links the file gives none, bit/s (default ${d.linkBps})`, positiveNumber('--link-bps'), d.linkBps)
    .option('--json', 'machine-readable output: cycleTimeMs, edges (from, to, multiplicity, delayMs), states (strong, isolated)')
    .action(async (flags: TopologyFlags) => {
      const network = parseGml(await readNetwork(flags.network))
      const overlay: OverlayKind = flags.arch === 'multigraph' ? 'ring' : flags.arch
      const tMax = flags.arch === 'multigraph' ? flags.tMax : 1
      const topology = buildTopology(network, {
        overlay,
        tMax,
        modelBits: flags.modelSize,
        computeMs: flags.computeMs,
        uploadBps: flags.uploadBps,
        downloadBps: flags.downloadBps,
        linkBps: flags.linkBps,
      })
      const result = report(flags, topology, tMax, network.sites.map((s) => s.id))
      createOut(flags.json === true).result(result, () => human(result))
    })
}
