import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import { parseGml } from '../src/topology/gml.js'

const networks = new URL('../data/networks/', import.meta.url)
const read = (name: string): string => readFileSync(new URL(`${name}.gml`, networks), 'utf8')

function failure(text: string): W3aiError {
  try {
    parseGml(text)
  } catch (err) {
    if (err instanceof W3aiError) return err
    throw err
  }
  throw new Error('parseGml accepted malformed input')
}

describe('parseGml', () => {
  it('reads sites with their labels and links with distance and optional capacity', () => {
    const net = parseGml(`# a comment
graph [
  label "tiny"
  node [ id 0 label "A" Latitude 1.5 ]
  node [ id 1 label "B" ]
  node [ id 7 ]
  edge [ source 0 target 1 distance 100.5 capacity 1e9 ]
  edge [ source 1 target 7 id "e5" distance 2.5E2 LinkLabel "2.5 Gbps" ]
]`)
    expect(net.sites).toEqual([
      { id: '0', label: 'A' },
      { id: '1', label: 'B' },
      { id: '7', label: '7' },
    ])
    expect(net.links).toEqual([
      { source: 0, target: 1, distanceKm: 100.5, capacityBps: 1e9 },
      { source: 1, target: 2, distanceKm: 250, capacityBps: undefined },
    ])
  })

  it.each([
    ['gaia', 11, 55, 55],
    ['amazon_us', 22, 231, 0],
    ['geantdistance', 40, 61, 39],
    ['exodus', 79, 147, 0],
    ['ebone', 87, 161, 0],
  ])('reads %s: %i sites, %i links, %i with a capacity', (name, sites, links, capacities) => {
    const net = parseGml(read(name))
    expect(net.sites).toHaveLength(sites)
    expect(net.links).toHaveLength(links)
    expect(net.links.filter((l) => l.capacityBps !== undefined)).toHaveLength(capacities)
    expect(net.links.every((l) => l.distanceKm >= 0)).toBe(true)
  })

  it('keeps gaia labels and its first link exactly', () => {
    const net = parseGml(read('gaia'))
    expect(net.sites[0]).toEqual({ id: '0', label: 'Virginia' })
    expect(net.sites[10]).toEqual({ id: '10', label: 'Sao Paulo' })
    expect(net.links[0]).toEqual({ source: 0, target: 1, distanceKm: 3560.859824767453, capacityBps: 1e9 })
  })

  it.each([
    ['graph [\n node [ id 0 ]\n', /line 1: a list opened with '\[' here is never closed/],
    ['graph [ ]\n]', /line 2: '\]' closes no list/],
    ['graph [\n node [ id 0 label "A ]\n]', /line 2: a string opened here is never closed/],
    ['graph [\n node [ id ]\n]', /line 2: key "id" has no value/],
    ['graph [\n node [ id 0 ]\n 5 ]', /line 3: expected a key, found "5"/],
    ['graph [\n node [ id 0 ] @ ]', /line 2: unexpected character "@"/],
    ['node [ id 0 ]', /no graph \[ … \] block/],
    ['graph [ node [ id 0 ] ]\ngraph [ ]', /line 2: the file holds more than one graph/],
    ['graph [\n directed 1\n]', /line 2: directed networks are not supported/],
    ['graph [\n node [ label "A" ]\n]', /line 2: node has no id/],
    ['graph [\n node [ id 0 ]\n node [ id 0 ]\n]', /line 3: node id 0 is used twice/],
    ['graph [\n node [ id 0 label "A" ]\n node [ id 1 label "A" ]\n]', /line 3: node label "A" is used twice/],
    ['graph [\n node [ id 0 ]\n edge [ source 0\n target 9 distance 1 ]\n]', /line 4: edge target 9 names no node/],
    ['graph [\n node [ id 0 ]\n node [ id 1 ]\n edge [ source 0 distance 1 ]\n]', /line 4: edge has no target/],
    ['graph [\n node [ id 0 ]\n edge [ source 0 target 0 distance 1 ]\n]', /line 3: edge links a node to itself/],
    ['graph [\n node [ id 0 ]\n node [ id 1 ]\n edge [ source 0 target 1 ]\n]', /line 4: edge has no distance/],
    ['graph [\n node [ id 0 ]\n node [ id 1 ]\n edge [ source 0 target 1\n distance "far" ]\n]', /line 5: distance must be a number, found "far"/],
    ['graph [\n node [ id 0 ]\n node [ id 1 ]\n edge [ source 0 target 1 distance -3 ]\n]', /line 4: distance must be >= 0 km/],
    ['graph [\n node [ id 0 ]\n node [ id 1 ]\n edge [ source 0 target 1 distance 3 capacity 0 ]\n]', /line 4: capacity must be > 0 bit\/s/],
    ['graph [\n node [ id 0 ]\n node [ id 1 ]\n edge [ source 0 target 1 distance 3 ]\n edge [ source 1 target 0 distance 4 ]\n]', /line 5: edge repeats a link/],
    ['graph [\n node [ id 0 ]\n node [ id 1 ]\n edge [ source 0 target 1 distance 3 distance 4 ]\n]', /line 4: distance is given twice/],
  ])('refuses malformed input with FL_BAD_TOPOLOGY naming the line: %j', (text, message) => {
    const err = failure(text)
    expect(err.code).toBe('FL_BAD_TOPOLOGY')
    expect(err.message).toMatch(message)
  })
})
