import { Value } from '@sinclair/typebox/value'
import type { TSchema } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import {
  AccountCreateSchema,
  CidSchema,
  DeploymentCreateSchema,
  ErrorBodySchema,
  HeartbeatMessageSchema,
  JobSubmitSchema,
  NodeRegistrationSchema,
  PieceOrderSchema,
  RedundancySchema,
  UploadCreateSchema,
} from '../src/index.js'

const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const KEY = 'A'.repeat(43)
const registration = {
  name: 'node-0',
  capabilities: { cpuCores: 0.5, memoryGb: 2, gpus: [], diskGb: 10, executors: ['onnx', 'wasm'] },
  location: { lat: 50.11, lon: 8.68, region: 'eu-central', city: 'Frankfurt' },
  endpoint: 'http://127.0.0.1:7500',
  encryptionKey: KEY,
}

/** [schema, accepted examples, refused examples] */
const cases: Array<[string, TSchema, unknown[], unknown[]]> = [
  [
    'NodeRegistration',
    NodeRegistrationSchema,
    [registration, { ...registration, name: undefined, encryptionKey: undefined }],
    [
      { ...registration, endpoint: 'ftp://x' },
      { ...registration, capabilities: { ...registration.capabilities, cpuCores: 0 } },
      { ...registration, capabilities: { ...registration.capabilities, executors: ['gpu'] } },
      { ...registration, capabilities: { ...registration.capabilities, gpus: [{ model: '', memoryGb: 8 }] } },
      { ...registration, location: { ...registration.location, lat: 91 } },
      { ...registration, location: { ...registration.location, region: 'EU West' } },
      { ...registration, extra: true },
    ],
  ],
  ['AccountCreate', AccountCreateSchema, [{}, { name: 'alice', encryptionKey: KEY }], [{ name: '' }, { encryptionKey: 'short' }, { admin: true }]],
  [
    'UploadCreate',
    UploadCreateSchema,
    [{ size: 0 }, { size: 10, segmentSize: 65536, redundancy: { k: 2, n: 3, repairThreshold: 2 }, name: 'a.txt' }],
    [{ size: -1 }, { size: 1.5 }, { size: 1, segmentSize: 1024 }, { size: 1, name: '' }, {}],
  ],
  ['Redundancy', RedundancySchema, [{ k: 4, n: 6, repairThreshold: 5 }], [{ k: 0, n: 6, repairThreshold: 5 }, { k: 4, n: 65, repairThreshold: 5 }, { k: 4, n: 6 }]],
  [
    'JobSubmit',
    JobSubmitSchema,
    [{ executor: 'onnx', inputs: { model: CID } }, { executor: 'train', inputs: { dataset: CID }, params: { spec: {} }, verify: 2, tolerance: 0.01, priority: -10, maxAttempts: 10 }],
    [
      { executor: 'shell', inputs: {} },
      { executor: 'onnx', inputs: { model: 'not-a-cid' } },
      { executor: 'onnx', inputs: {}, verify: 6 },
      { executor: 'onnx', inputs: {}, tolerance: 2 },
    ],
  ],
  ['DeploymentCreate', DeploymentCreateSchema, [{ model: CID }, { model: CID, replicas: 8, maxBatch: 4096 }], [{ model: CID, replicas: 0 }, { model: CID, maxBatch: 5000 }, { replicas: 1 }]],
  [
    'HeartbeatMessage',
    HeartbeatMessageSchema,
    [{ type: 'heartbeat', seq: 0, cpuPercent: 12.5, memoryUsedGb: 1, runningTasks: 0, diskUsedGb: 0 }],
    [{ type: 'heartbeat', seq: -1, cpuPercent: 1, memoryUsedGb: 1, runningTasks: 0, diskUsedGb: 0 }, { type: 'heartbeat', seq: 0, cpuPercent: 101, memoryUsedGb: 1, runningTasks: 0, diskUsedGb: 0 }],
  ],
  ['Cid', CidSchema, [CID, 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'], ['Qm' + 'a'.repeat(44), 'BAFK' + 'a'.repeat(40), 'bafk', '']],
  ['ErrorBody', ErrorBodySchema, [{ error: { code: 'NOT_FOUND', message: 'No such resource.' } }], [{ error: { message: 'x' } }, { code: 'NOT_FOUND' }]],
]

describe('wire schemas', () => {
  for (const [name, schema, good, bad] of cases) {
    it(`${name} accepts its examples and refuses malformed ones`, () => {
      for (const value of good) expect(Value.Check(schema, value), `${name} should accept ${JSON.stringify(value)}`).toBe(true)
      for (const value of bad) expect(Value.Check(schema, value), `${name} should refuse ${JSON.stringify(value)}`).toBe(false)
    })
  }

  // Type.Record with a key pattern becomes patternProperties; without additionalProperties: false
  // the schema (and so the hub's Ajv) accepted {"inputs": {"Model": 123}}.
  it('JobSubmit refuses input roles outside ^[a-z][a-z0-9_-]{0,31}$ and their non-CID values', () => {
    expect(Value.Check(JobSubmitSchema, { executor: 'onnx', inputs: { model: CID, input: CID } })).toBe(true)
    for (const inputs of [{ Model: 123 }, { Model: CID }, { model: CID, '1x': CID }, { model: CID, x: 123 }, { ['a'.repeat(33)]: CID }]) {
      expect(Value.Check(JobSubmitSchema, { executor: 'onnx', inputs }), JSON.stringify(inputs)).toBe(false)
    }
  })

  it('PieceOrder accepts a well-formed order and refuses unknown actions, fields and short serials', () => {
    const order = { v: 1, action: 'put', pieceCid: CID, nodeId: 'n_' + '0'.repeat(20), maxSize: 1024, expiresAt: 1_700_000_000_000, serial: 's'.repeat(16) }
    expect(Value.Check(PieceOrderSchema, order)).toBe(true)
    for (const bad of [{ ...order, action: 'list' }, { ...order, extra: 1 }, { ...order, serial: 'short' }, { ...order, v: 2 }, { ...order, nodeId: 'a_' + '0'.repeat(20) }]) {
      expect(Value.Check(PieceOrderSchema, bad), JSON.stringify(bad)).toBe(false)
    }
  })
})
