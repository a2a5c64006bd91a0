/**
 * Reads the GML network files of the topology work (Topology Zoo style): one `graph [ … ]` holding
 * `node [ id N label "…" ]` and `edge [ source N target N distance KM capacity BPS ]` blocks.
 * Keys this module does not use (coordinates, link labels, dates) are parsed and ignored. No npm
 * package reads GML (there are GraphML and GEXF readers only), hence this small tokenizer.
 */
import { W3aiError } from '@w3ai/protocol'

/** A site (silo, data centre): its GML `id` and its `label` (the id again when it has none). */
export interface Site {
  id: string
  label: string
}

/** An undirected link between two sites, by their index in `Network.sites`. */
export interface Link {
  source: number
  target: number
  distanceKm: number
  /** bit/s; undefined where the file gives none (the caller's default capacity applies). */
  capacityBps: number | undefined
}

/** The underlay network: sites in file order and the links between them. */
export interface Network {
  sites: Site[]
  links: Link[]
}

type Value = number | string | Entry[]

interface Entry {
  key: string
  value: Value
  line: number
}

interface Token {
  kind: 'open' | 'close' | 'key' | 'number' | 'string'
  text: string
  line: number
}

function bad(message: string, line?: number): W3aiError {
  return new W3aiError('FL_BAD_TOPOLOGY', line === undefined ? `GML: ${message}.` : `GML line ${line}: ${message}.`)
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/
const KEY = /^[A-Za-z_][A-Za-z0-9_]*/

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let line = 1
  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    if (c === '\n') {
      line++
      i++
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++
    } else if (c === '[' || c === ']') {
      tokens.push({ kind: c === '[' ? 'open' : 'close', text: c, line })
      i++
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1)
      if (end < 0) throw bad('a string opened here is never closed', line)
      const body = text.slice(i + 1, end)
      tokens.push({ kind: 'string', text: body, line })
      line += body.split('\n').length - 1
      i = end + 1
    } else {
      const rest = text.slice(i, i + 64)
      const number = NUMBER.exec(rest)
      const key = number === null ? KEY.exec(rest) : null
      const match = number ?? key
      if (match === null) throw bad(`unexpected character ${JSON.stringify(c)}`, line)
      tokens.push({ kind: number !== null ? 'number' : 'key', text: match[0], line })
      i += match[0].length
    }
  }
  return tokens
}

/** Parses `key value` pairs from `tokens[at]` up to a closing `]` (or the end at top level). */
function parseList(tokens: Token[], at: number, opened: Token | undefined): { entries: Entry[]; next: number } {
  const entries: Entry[] = []
  let i = at
  for (;;) {
    const keyToken = tokens[i]
    if (keyToken === undefined) {
      if (opened !== undefined) throw bad("a list opened with '[' here is never closed", opened.line)
      return { entries, next: i }
    }
    if (keyToken.kind === 'close') {
      if (opened === undefined) throw bad("']' closes no list", keyToken.line)
      return { entries, next: i + 1 }
    }
    if (keyToken.kind !== 'key') throw bad(`expected a key, found ${JSON.stringify(keyToken.text)}`, keyToken.line)
    const valueToken = tokens[i + 1]
    if (valueToken === undefined || valueToken.kind === 'close' || valueToken.kind === 'key') {
      throw bad(`key ${JSON.stringify(keyToken.text)} has no value`, keyToken.line)
    }
    if (valueToken.kind === 'open') {
      const inner = parseList(tokens, i + 2, valueToken)
      entries.push({ key: keyToken.text, value: inner.entries, line: keyToken.line })
      i = inner.next
    } else {
      const value = valueToken.kind === 'number' ? Number(valueToken.text) : valueToken.text
      entries.push({ key: keyToken.text, value, line: keyToken.line })
      i += 2
    }
  }
}

function scalar(entries: Entry[], key: string): Entry | undefined {
  const found = entries.filter((e) => e.key === key)
  const second = found[1]
  if (second !== undefined) throw bad(`${key} is given twice`, second.line)
  const entry = found[0]
  if (entry !== undefined && Array.isArray(entry.value)) throw bad(`${key} must be a number or a string, not a list`, entry.line)
  return entry
}

function numberOf(entry: Entry, what: string): number {
  if (typeof entry.value !== 'number' || !Number.isFinite(entry.value)) throw bad(`${what} must be a number, found ${JSON.stringify(entry.value)}`, entry.line)
  return entry.value
}

function readSites(graph: Entry[]): { sites: Site[]; indexOf: Map<string, number> } {
  const sites: Site[] = []
  const indexOf = new Map<string, number>()
  const labels = new Set<string>()
  for (const node of graph.filter((e) => e.key === 'node')) {
    if (!Array.isArray(node.value)) throw bad('node must be a list [ … ]', node.line)
    const id = scalar(node.value, 'id')
    if (id === undefined) throw bad('node has no id', node.line)
    const key = String(id.value)
    if (indexOf.has(key)) throw bad(`node id ${key} is used twice`, id.line)
    const labelEntry = scalar(node.value, 'label')
    const label = labelEntry === undefined ? key : String(labelEntry.value)
    if (labels.has(label)) throw bad(`node label ${JSON.stringify(label)} is used twice`, labelEntry?.line ?? id.line)
    labels.add(label)
    indexOf.set(key, sites.length)
    sites.push({ id: key, label })
  }
  return { sites, indexOf }
}

function readLinks(graph: Entry[], indexOf: Map<string, number>): Link[] {
  const links: Link[] = []
  const seen = new Set<string>()
  for (const edge of graph.filter((e) => e.key === 'edge')) {
    if (!Array.isArray(edge.value)) throw bad('edge must be a list [ … ]', edge.line)
    const ends = (['source', 'target'] as const).map((key) => {
      const entry = scalar(edge.value as Entry[], key)
      if (entry === undefined) throw bad(`edge has no ${key}`, edge.line)
      const index = indexOf.get(String(entry.value))
      if (index === undefined) throw bad(`edge ${key} ${String(entry.value)} names no node`, entry.line)
      return index
    })
    const [source, target] = ends as [number, number]
    if (source === target) throw bad('edge links a node to itself', edge.line)
    const pair = source < target ? `${source} ${target}` : `${target} ${source}`
    if (seen.has(pair)) throw bad('edge repeats a link already given (parallel links are not supported)', edge.line)
    seen.add(pair)
    const distance = scalar(edge.value, 'distance')
    if (distance === undefined) throw bad('edge has no distance (km)', edge.line)
    const distanceKm = numberOf(distance, 'distance')
    if (distanceKm < 0) throw bad(`distance must be >= 0 km, found ${distanceKm}`, distance.line)
    const capacity = scalar(edge.value, 'capacity')
    let capacityBps: number | undefined
    if (capacity !== undefined) {
      capacityBps = numberOf(capacity, 'capacity')
      if (capacityBps <= 0) throw bad(`capacity must be > 0 bit/s, found ${capacityBps}`, capacity.line)
    }
    links.push({ source, target, distanceKm, capacityBps })
  }
  return links
}

/** Parses GML text into sites and links; malformed input throws FL_BAD_TOPOLOGY naming the line. */
export function parseGml(text: string): Network {
  const { entries } = parseList(tokenize(text), 0, undefined)
  const graphs = entries.filter((e) => e.key === 'graph')
  const second = graphs[1]
  if (second !== undefined) throw bad('the file holds more than one graph', second.line)
  const graph = graphs[0]
  if (graph === undefined || !Array.isArray(graph.value)) throw bad('no graph [ … ] block')
  const directed = scalar(graph.value, 'directed')
  if (directed !== undefined && directed.value !== 0) throw bad('directed networks are not supported: links are used both ways', directed.line)
  const { sites, indexOf } = readSites(graph.value)
  return { sites, links: readLinks(graph.value, indexOf) }
}
