/**
 * The hub keeps its connections to a serving node: calls one after another travel over one
 * connection, and concurrent calls open no more connections than calls in flight.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateIdentity } from '@w3ai/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ServingService, type ServingComponents } from '../src/domains/serving/service.js'
import type { DeploymentRow, DeploymentStore, ReplicaRow } from '../src/domains/serving/store.js'

const ID = 'd_000000000000000000000001'

describe('hub → serving node connections', () => {
  let node: Server
  let connections = 0
  let service: ServingService

  beforeAll(async () => {
    node = createServer((req, res) => {
      req.resume()
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"outputs":{},"nodeId":"n_1","runMs":0}'))
    })
    node.on('connection', () => connections++)
    await new Promise<void>((r) => node.listen(0, '127.0.0.1', r))
    const endpoint = `http://127.0.0.1:${(node.address() as AddressInfo).port}`
    const row = { id: ID, owner: 'a_1', model: 'm', status: 'active', replicas: 1, maxBatch: 8, candidates: [], io: null, requests: 0, failures: 0, createdAt: '' } as DeploymentRow
    const replica = { deploymentId: ID, nodeId: 'n_1', state: 'ready', error: null, updatedAt: '', wrappedKey: null, nodeStatus: 'online', endpoint } as ReplicaRow
    const store = { get: async () => row, replicas: async () => [replica], count: async () => undefined } as unknown as DeploymentStore
    service = new ServingService({ store, networkKey: generateIdentity('node'), announce: () => undefined, requestTimeoutMs: 5000, cacheMs: 60_000, spareCandidates: 0, onError: () => undefined } as unknown as ServingComponents)
  })

  afterAll(async () => {
    await service.stop()
    await new Promise((r) => node.close(r))
  })

  it('sends calls one after another over one connection', async () => {
    const before = connections
    for (let i = 0; i < 20; i++) expect((await service.infer('a_1', ID, Buffer.from('{"inputs":{}}'))).status).toBe(200)
    expect(connections - before).toBe(1)
  })

  it('opens no more connections than calls in flight, and reuses them', async () => {
    const before = connections
    for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: 4 }, () => service.infer('a_1', ID, Buffer.from('{"inputs":{}}'))))
    expect(connections - before).toBeLessThanOrEqual(4)
  })
})
