/**
 * Storage placement on the hub's one node index, the router's (issue 8 D2), kept current by the
 * event bus: regions spread, nodes without room left out, holders excluded, countPlaceable the
 * same rule as placement, and no query of the nodes table per placement.
 */
import type { HubEvent, NodeInfo } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { HubRouter } from '../src/domains/compute/routing.js'

function node(id: string, region: string, over: { diskGb?: number; diskUsedGb?: number; status?: NodeInfo['status'] } = {}): NodeInfo {
  return {
    id,
    region,
    location: { lat: 0, lon: 0, region },
    endpoint: `http://127.0.0.1/${id}`,
    status: over.status ?? 'online',
    capabilities: { cpuCores: 2, memoryGb: 4, gpus: [], executors: [], diskGb: over.diskGb ?? 10 },
    load: over.diskUsedGb === undefined ? null : { cpuPercent: 0, memoryUsedGb: 0, runningTasks: 0, diskUsedGb: over.diskUsedGb, at: '' },
  } as unknown as NodeInfo
}

function hubRouter(nodes: NodeInfo[]) {
  const subscribers: Array<(e: HubEvent) => void> = []
  let loads = 0
  const placement = new HubRouter(
    { all: async () => (loads++, nodes) },
    { subscribe: (fn: (e: HubEvent) => void) => (subscribers.push(fn), () => undefined) },
    { refreshMs: 0 },
  )
  return { placement, publish: (e: HubEvent) => subscribers.forEach((fn) => fn(e)), loads: () => loads }
}

describe('storage placement on the router index', () => {
  it('spreads pieces over regions before doubling up', async () => {
    const { placement } = hubRouter([node('a1', 'eu'), node('a2', 'eu'), node('b1', 'us'), node('b2', 'us'), node('c1', 'ap'), node('c2', 'ap')])
    for (let i = 0; i < 20; i++) {
      const regions = (await placement.placePieces(3, 0)).map((t) => t.id[0])
      expect(new Set(regions).size).toBe(3)
    }
  })

  it('leaves out nodes without room, excluded ones and offline ones; countPlaceable agrees with placement', async () => {
    const { placement } = hubRouter([node('full', 'eu', { diskGb: 10, diskUsedGb: 9.99 }), node('room', 'eu'), node('held', 'us'), node('gone', 'ap', { status: 'offline' })])
    expect((await placement.placePieces(10, 0.1, new Set(['held']))).map((t) => t.id)).toEqual(['room'])
    expect(await placement.countPlaceable(0.1)).toBe((await placement.placePieces(10, 0.1)).length)
    expect(await placement.countPlaceable(0.1)).toBe(2)
    expect((await placement.placePieces(1, 0)).every((t) => t.endpoint.startsWith('http://127.0.0.1/'))).toBe(true)
  })

  it('counts and places a node with exactly enough room alike', async () => {
    const { placement } = hubRouter([node('edge', 'us', { diskGb: 10, diskUsedGb: 9 })])
    expect(await placement.countPlaceable(1)).toBe(1)
    expect((await placement.placePieces(1, 1)).map((t) => t.id)).toEqual(['edge'])
  })

  it('follows the bus: registrations, statuses and disk use, without reading the registry again', async () => {
    const { placement, publish, loads } = hubRouter([node('a', 'eu'), node('b', 'us')])
    await placement.start()
    expect(await placement.countPlaceable(1)).toBe(2)
    publish({ type: 'node.status', id: 'a', status: 'offline', at: '' })
    publish({ type: 'node.load', loads: [{ id: 'b', load: { cpuPercent: 0, memoryUsedGb: 0, runningTasks: 0, diskUsedGb: 9.5, at: '' } }] })
    publish({ type: 'node.registered', node: node('c', 'ap') })
    expect((await placement.placePieces(5, 1)).map((t) => t.id)).toEqual(['c'])
    publish({ type: 'node.status', id: 'a', status: 'online', at: '' })
    expect(await placement.countPlaceable(1)).toBe(2)
    expect(loads()).toBe(1)
    placement.stop()
  })

  it('loads the registry before the first placement when asked before start', async () => {
    const { placement, loads } = hubRouter([node('a', 'eu')])
    expect(await placement.countPlaceable(0)).toBe(1)
    await placement.start()
    expect(loads()).toBe(1)
    placement.stop()
  })
})
