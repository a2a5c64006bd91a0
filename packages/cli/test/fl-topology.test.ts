import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseJson, tempHome, w3aiInProcess } from './helpers.js'

const GAIA = fileURLToPath(new URL('../../federated/data/networks/gaia.gml', import.meta.url))

interface TopologyJson {
  arch: string
  overlay: string
  tMax: number
  rounds: number
  cycleTimeMs: number
  stateCount: number
  sites: Array<{ id: string; label: string }>
  edges: Array<{ from: string; to: string; multiplicity: number; delayMs: number }>
  states: Array<{ state: number; strong: Array<{ from: string; to: string }>; isolated: string[] }>
}

// The hand-computed network of packages/federated/test/topology-networks.test.ts: A — 2000 km —
// B — 5000 km — C with M = 1e6 bit and Tc = 2 ms gives ring delays 24, 49.5 and 67.5 ms,
// multiplicities 1, 2, 3, six states, and a cycle time of 305617/16200 ms over 100 rounds.
const LINE = `graph [
  node [ id 0 label "A" ] node [ id 1 label "B" ] node [ id 2 label "C" ]
  edge [ source 0 target 1 distance 2000 ]
  edge [ source 1 target 2 distance 5000 ]
]`

describe('w3ai fl topology', () => {
  let dir: { path: string; remove: () => Promise<void> }
  let line: string
  const run = (file: string, arch: string, ...extra: string[]) => w3aiInProcess(['fl', 'topology', '--network', file, '--arch', arch, '--model-size', '1e6', '--compute-ms', '2', ...extra])

  beforeAll(async () => {
    dir = await tempHome('w3ai-fl-topology-')
    line = join(dir.path, 'line.gml')
    await writeFile(line, LINE)
    await writeFile(join(dir.path, 'broken.gml'), 'graph [\n  node [ id 0 ]\n  edge [ source 0 target 7 distance 3 ]\n]\n')
  })
  afterAll(() => dir.remove())

  it('prints the multigraph of a network as JSON: edges by GML label, states, cycle time', async () => {
    const r = await run(line, 'multigraph', '--json')
    expect(r.code).toBe(0)
    const out = parseJson<TopologyJson>(r.stdout)
    expect([out.arch, out.overlay, out.tMax, out.rounds]).toEqual(['multigraph', 'ring', 5, 100])
    expect(out.cycleTimeMs).toBeCloseTo(305617 / 16200, 9)
    expect(out.sites).toEqual([
      { id: '0', label: 'A' },
      { id: '1', label: 'B' },
      { id: '2', label: 'C' },
    ])
    const byPair = new Map(out.edges.map((e) => [[e.from, e.to].sort().join(''), e]))
    expect([...byPair.keys()].sort()).toEqual(['AB', 'AC', 'BC'])
    expect(byPair.get('AB')).toMatchObject({ multiplicity: 1 })
    expect(byPair.get('BC')).toMatchObject({ multiplicity: 2 })
    expect(byPair.get('AC')).toMatchObject({ multiplicity: 3 })
    expect(byPair.get('AC')!.delayMs).toBeCloseTo(67.5, 9)
    expect(out.stateCount).toBe(6)
    expect(out.states.map((s) => s.state)).toEqual([0, 1, 2, 3, 4, 5])
    expect(out.states[0]!.strong).toEqual(out.edges.map(({ from, to }) => ({ from, to })))
    expect(out.states[0]!.isolated).toEqual([])
    // State 1: only the A–B edge is strong; the other two silos are isolated.
    expect(out.states[1]!.strong).toHaveLength(1)
    expect(out.states[1]!.isolated).toHaveLength(2)
    expect(out.states[1]!.isolated).not.toContain(out.states[1]!.strong[0]!.to)
  })

  it.each([
    ['ring', 47],
    ['mst', 49.5],
    ['star', 49.5],
  ])('gives the plain %s overlay one state and its maximum cycle mean', async (arch, expected) => {
    const out = parseJson<TopologyJson>((await run(line, arch, '--json', '--t-max', '4')).stdout)
    expect(out.cycleTimeMs).toBeCloseTo(expected, 9)
    expect(out.stateCount).toBe(1)
    expect(out.tMax).toBe(1)
    expect(out.edges.every((e) => e.multiplicity === 1)).toBe(true)
  })

  it('prints a short table for people', async () => {
    const r = await w3aiInProcess(['fl', 'topology', '--network', GAIA, '--arch', 'multigraph', '--model-size', '4843243', '--compute-ms', '4.6', '--rounds', '50', '--t-max', '3'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^network {5}.*gaia\.gml: 11 sites\n/)
    expect(r.stdout).toMatch(/overlay {5}multigraph over a ring \(t_max 3\): 11 edges, \d+ states?\n/)
    expect(r.stdout).toMatch(/FROM +TO +MULTIPLICITY +DELAY MS\n/)
    expect(r.stdout).toContain('state 0: 11 strong edges, no silo isolated')
    expect(r.stdout).toMatch(/cycle time {2}\d+\.\d ms \(mean over 50 rounds\)\n$/)
  })

  it('honours the capacities and rounds it is given', async () => {
    const fast = parseJson<TopologyJson>((await run(line, 'ring', '--json')).stdout)
    const slowSilos = parseJson<TopologyJson>((await run(line, 'ring', '--json', '--upload-bps', '1e8')).stdout)
    // C_up = 1e8 bit/s: uploading 1e6 bit takes 10 ms instead of the 1-2 ms transfer on each edge.
    expect(slowSilos.cycleTimeMs).toBeCloseTo((24 + 49.5 + 67.5) / 3 + 10 - 4 / 3, 9)
    expect(slowSilos.cycleTimeMs).toBeGreaterThan(fast.cycleTimeMs)
    const narrow = parseJson<TopologyJson>((await run(line, 'ring', '--json', '--link-bps', '1e8')).stdout)
    // C = 1e8 bit/s: 10 ms per hop instead of 1, i.e. 9 + 9 + 18 ms more around the ring.
    expect(narrow.cycleTimeMs).toBeCloseTo(47 + 36 / 3, 9)
    expect(parseJson<TopologyJson>((await run(line, 'multigraph', '--json', '--rounds', '7')).stdout).cycleTimeMs).toBeCloseTo(25729 / 1134, 9)
  })

  it.each([
    [['--network', 'no-such-file.gml', '--arch', 'ring', '--model-size', '1', '--compute-ms', '1'], /--network: no file at no-such-file\.gml\./],
    [['--network', '.', '--arch', 'ring', '--model-size', '1', '--compute-ms', '1'], /--network "\." is invalid: expected a GML file/],
    [['--network', GAIA, '--arch', 'tree', '--model-size', '1', '--compute-ms', '1'], /--arch "tree" is invalid/],
    [['--network', GAIA, '--arch', 'ring', '--model-size', '0', '--compute-ms', '1'], /--model-size "0" is invalid/],
    [['--network', GAIA, '--arch', 'ring', '--model-size', '-5', '--compute-ms', '1'], /--model-size "-5" is invalid/],
    [['--network', GAIA, '--arch', 'ring', '--model-size', 'big', '--compute-ms', '1'], /--model-size "big" is invalid/],
    [['--network', GAIA, '--arch', 'ring', '--model-size', '1', '--compute-ms', '0'], /--compute-ms "0" is invalid/],
    [['--network', GAIA, '--arch', 'ring', '--model-size', '1', '--compute-ms', '1', '--rounds', '0'], /--rounds "0" is invalid: expected an integer 1\.\.100000/],
    [['--network', GAIA, '--arch', 'ring', '--model-size', '1', '--compute-ms', '1', '--t-max', '11'], /--t-max "11" is invalid: expected an integer 1\.\.10/],
    [['--network', GAIA, '--arch', 'ring', '--model-size', '1', '--compute-ms', '1', '--upload-bps', '0'], /--upload-bps "0" is invalid/],
    [['--network', GAIA, '--arch', 'ring', '--model-size', '1', '--compute-ms', '1', '--link-bps', 'Infinity'], /--link-bps "Infinity" is invalid/],
    [['--network', GAIA, '--arch', 'ring', '--model-size', '1'], /required option '--compute-ms <ms>' not specified/],
  ])('refuses %j with CLI_BAD_ARGUMENT, exit 2', async (args, message) => {
    const r = await w3aiInProcess(['fl', 'topology', ...args, '--json'])
    expect(r.code).toBe(2)
    const error = parseJson<{ error: { code: string; message: string } }>(r.stdout).error
    expect(error.code).toBe('CLI_BAD_ARGUMENT')
    expect(error.message).toMatch(message)
  })

  it('refuses a malformed network with FL_BAD_TOPOLOGY naming the line, exit 1', async () => {
    const r = await w3aiInProcess(['fl', 'topology', '--network', join(dir.path, 'broken.gml'), '--arch', 'ring', '--model-size', '1', '--compute-ms', '1'])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe('error FL_BAD_TOPOLOGY: GML line 3: edge target 7 names no node.\n')
  })
})
