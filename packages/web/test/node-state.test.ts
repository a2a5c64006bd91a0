import { describe, expect, it } from 'vitest'
import { applyMessage, countByStatus, EMPTY_NETWORK, regionStats, roleOf, sortNodes } from '../src/node-state.js'
import { makeLoad, makeNode } from './fixtures.js'

const hello = (nodes = [makeNode(0), makeNode(1), makeNode(2)]) => applyMessage(EMPTY_NETWORK, { type: 'hello', hubId: 'h_1', nodes })

describe('network state from the event stream', () => {
  it('takes the full node list and hub id from hello, replacing what was there', () => {
    const first = hello()
    const second = applyMessage(first, { type: 'hello', hubId: 'h_2', nodes: [makeNode(5)] })
    expect(first.hubId).toBe('h_1')
    expect([...first.nodes.keys()]).toHaveLength(3)
    expect(second.hubId).toBe('h_2')
    expect([...second.nodes.keys()]).toEqual([makeNode(5).id])
  })

  it('adds a registered node', () => {
    const state = applyMessage(hello(), { type: 'node.registered', node: makeNode(9) })
    expect(state.nodes.get(makeNode(9).id)?.name).toBe('node-9')
    expect(state.nodes.size).toBe(4)
  })

  it('updates status and its time, and leaves the state untouched when nothing changes', () => {
    const base = hello()
    const id = makeNode(1).id
    const changed = applyMessage(base, { type: 'node.status', id, status: 'offline', at: '2030-01-01T00:00:00.000Z' })
    expect(changed.nodes.get(id)?.status).toBe('offline')
    expect(changed.nodes.get(id)?.statusChangedAt).toBe('2030-01-01T00:00:00.000Z')
    expect(base.nodes.get(id)?.status).toBe('online')
    expect(applyMessage(base, { type: 'node.status', id, status: 'online', at: 'x' })).toBe(base)
    expect(applyMessage(base, { type: 'node.status', id: 'n_unknown', status: 'offline', at: 'x' })).toBe(base)
  })

  it('records audit results pushed by the hub, ignoring unknown nodes', () => {
    const id = makeNode(0).id
    const base = hello()
    const state = applyMessage(base, { type: 'node.audit', id, audit: { score: 0.8, passed: 3, failed: 1 } })
    expect(state.nodes.get(id)?.audit).toEqual({ score: 0.8, passed: 3, failed: 1 })
    expect(applyMessage(base, { type: 'node.audit', id: 'n_unknown', audit: { score: 1, passed: 1, failed: 0 } })).toBe(base)
  })

  it('applies a load batch and dates last-seen from it, ignoring unknown nodes', () => {
    const id = makeNode(2).id
    const load = makeLoad({ cpuPercent: 77, at: '2030-01-01T00:00:05.000Z' })
    const state = applyMessage(hello(), { type: 'node.load', loads: [{ id, load }, { id: 'n_gone', load }] })
    expect(state.nodes.get(id)?.load?.cpuPercent).toBe(77)
    expect(state.nodes.get(id)?.lastSeenAt).toBe('2030-01-01T00:00:05.000Z')
    expect(state.nodes.size).toBe(3)
  })
})

describe('derived views', () => {
  const nodes = [makeNode(0, { status: 'offline' }), makeNode(1), makeNode(10), makeNode(2), makeNode(3, { status: 'suspect' })]

  it('counts nodes by status', () => {
    expect(countByStatus(nodes)).toEqual({ online: 3, suspect: 1, offline: 1, total: 5 })
  })

  it('orders online first, then suspect, then offline, names numerically', () => {
    expect(sortNodes(nodes).map((n) => n.name)).toEqual(['node-1', 'node-2', 'node-10', 'node-3', 'node-0'])
  })

  it('calls a node with any GPU a GPU node', () => {
    expect(roleOf(makeNode(2))).toBe('gpu')
    expect(roleOf(makeNode(1))).toBe('cpu')
  })

  it('groups nodes per region, largest first, counting online ones', () => {
    const stats = regionStats([makeNode(0), makeNode(8, { status: 'offline' }), makeNode(1)])
    expect(stats).toEqual([
      { region: 'eu-central', total: 2, online: 1 },
      { region: 'us-east', total: 1, online: 1 },
    ])
  })
})
