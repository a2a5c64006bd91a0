import { generateIdentity, signRequest, type Identity } from '@w3ai/crypto'
import { W3aiError, type DatasetAnnouncement, type FlConfig } from '@w3ai/protocol'
import { encodeParameters, FederatedClient, FederatedWorkClient, HubClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { config, dataset, SPEC } from './federated-kit.js'
import { injectFetch, INJECT_URL, sampleRegistration, startTestHub, type TestHub } from './helpers.js'

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'resolved'
  } catch (err) {
    return err instanceof W3aiError ? err.code : String(err)
  }
}

/** A federated config that breaks a rule is refused with a code that names the rule, and creates nothing. */
describe('federated training refusals', () => {
  let t: TestHub
  let fl: FederatedClient
  const owner = generateIdentity('account')

  beforeAll(async () => {
    t = await startTestHub('pglite', { listen: false })
    const hub = new HubClient({ url: INJECT_URL, identity: owner, fetch: injectFetch(t.hub.app) })
    await hub.createAccount()
    fl = new FederatedClient(hub)
    const register = async (node: Identity, datasets: DatasetAnnouncement[]): Promise<void> => {
      await new HubClient({ url: INJECT_URL, fetch: injectFetch(t.hub.app) }).registerNode({ ...sampleRegistration(), datasets } as never, node)
    }
    await register(generateIdentity('node'), [dataset('d-0'), dataset('wide', 10, { features: 8, shape: [8] }), dataset('text', 10, { classes: ['a', 'b'] })])
    await register(generateIdentity('node'), [dataset('d-1'), dataset('many-classes', 10, { maxLabel: 7 }), dataset('fractional', 10, { integerLabels: false, maxLabel: 0.5 })])
    await register(generateIdentity('node'), [dataset('d-2'), dataset('d-test')])
  })
  afterAll(async () => t?.close())

  const refuse = (over: Partial<FlConfig> | Record<string, unknown>) => codeOf(fl.create({ ...config(), ...over } as FlConfig))

  it('refuses datasets no node holds', async () => {
    expect(await refuse({ datasets: ['d-0', 'nowhere'] })).toBe('FL_UNKNOWN_DATASET')
    expect(await refuse({ evaluation: { dataset: 'nowhere' } })).toBe('FL_UNKNOWN_DATASET')
  })

  it('refuses datasets whose schemas do not fit each other or the model', async () => {
    expect(await refuse({ datasets: ['d-0', 'wide'] })).toBe('FL_INCOMPATIBLE_DATASETS')
    expect(await refuse({ datasets: ['d-0', 'text'] })).toBe('FL_INCOMPATIBLE_DATASETS')
    expect(await refuse({ datasets: ['d-0', 'many-classes'] })).toBe('FL_INCOMPATIBLE_DATASETS')
    expect(await refuse({ datasets: ['d-0', 'fractional'] })).toBe('FL_INCOMPATIBLE_DATASETS')
    expect(await refuse({ model: { ...SPEC, inputShape: [5] } })).toBe('FL_INCOMPATIBLE_DATASETS')
    const err = await fl.create({ ...config(), datasets: ['d-0', 'wide'] }).catch((e: W3aiError) => e)
    expect((err as W3aiError).details).toMatchObject({ datasets: expect.arrayContaining([expect.objectContaining({ name: 'wide', shape: [8] })]) })
  })

  it('refuses fewer clients than the strategy or clientsPerRound needs', async () => {
    expect(await refuse({ datasets: ['d-0'] })).toBe('FL_NOT_ENOUGH_CLIENTS')
    expect(await refuse({ clientsPerRound: 5 })).toBe('FL_NOT_ENOUGH_CLIENTS')
    expect(await refuse({ strategy: { name: 'fedavg', minAvailableClients: 4 } })).toBe('FL_NOT_ENOUGH_CLIENTS')
  })

  it('refuses a robust strategy with secure aggregation, which only yields a sum', async () => {
    for (const name of ['fedmedian', 'krum', 'fedtrimmedavg', 'bulyan']) {
      expect(await refuse({ strategy: { name }, secure: 'secagg+' }), name).toBe('FL_SECURE_NEEDS_LINEAR')
      expect(await refuse({ strategy: { name }, secure: 'ckks' }), name).toBe('FL_SECURE_NEEDS_LINEAR')
    }
    // Server-side clipping needs to see each update, which secure aggregation hides.
    expect(await refuse({ secure: 'secagg+', dp: { side: 'server', noiseMultiplier: 1, clippingNorm: 1 } })).toBe('FL_SECURE_NEEDS_LINEAR')
  })

  it.each([
    ['zero rounds', { rounds: 0 }],
    ['fractional epochs', { localEpochs: 1.5 }],
    ['negative seed', { seed: -1 }],
    ['a timeout under a second', { roundTimeoutMs: 10 }],
    ['an unknown field', { shards: 3 }],
    ['an unknown strategy', { strategy: { name: 'fedmagic' } }],
    ['a strategy option out of range', { strategy: { name: 'fedavg', fractionTrain: 2 } }],
    ['clientsPerRound next to fractionTrain', { clientsPerRound: 2, strategy: { name: 'fedavg', fractionTrain: 0.5 } }],
    ['an evaluation set that is also trained on', { evaluation: { dataset: 'd-0' } }],
    ['a normalization fitted per client', { model: { ...SPEC, normalize: 'standard' } }],
    ['a zero input scale', { inputScale: 0 }],
    ['an unknown dp option', { dp: { noiseMultiplier: 1, clippingNorm: 1, epsilonn: 3 } }],
    ['a negative noise multiplier', { dp: { noiseMultiplier: -1, clippingNorm: 1 } }],
    ['dp around a robust strategy', { strategy: { name: 'fedmedian' }, dp: { noiseMultiplier: 1, clippingNorm: 1 } }],
  ])('refuses %s with FL_BAD_CONFIG', async (_name, over) => {
    expect(await refuse(over)).toBe('FL_BAD_CONFIG')
  })

  it('refuses a model that is not a valid training spec with COMPUTE_BAD_SPEC', async () => {
    expect(await refuse({ model: { ...SPEC, layers: [{ type: 'dense', units: 3, activation: 'relu' }] } })).toBe('COMPUTE_BAD_SPEC')
    expect(await refuse({ model: 'not a spec' })).toBe('FL_BAD_CONFIG')
  })

  it('created nothing while refusing', async () => {
    expect(await fl.list()).toEqual([])
  })

  it('answers the first training again for an idempotency key used before, and refuses the key with another config', async () => {
    const a = await fl.create(config({ idempotencyKey: 'run-1' }))
    const b = await fl.create(config({ idempotencyKey: 'run-1' }))
    expect(b.id).toBe(a.id)
    expect(await fl.list()).toHaveLength(1)
    expect(await refuse({ idempotencyKey: 'run-1', rounds: 7 })).toBe('VALIDATION_FAILED')
    await fl.stop(a.id)
  })

  it('refuses unsigned requests and accounts that do not exist', async () => {
    const body = JSON.stringify(config())
    const unsigned = await t.hub.app.inject({ method: 'POST', url: '/v1/fl/trainings', headers: { 'content-type': 'application/json' }, payload: body })
    expect(unsigned.json<{ error: { code: string } }>().error.code).toBe('AUTH_MISSING_SIGNATURE')
    const stranger = generateIdentity('account')
    const res = await t.hub.app.inject({ method: 'POST', url: '/v1/fl/trainings', headers: { 'content-type': 'application/json', ...signRequest(stranger, 'POST', '/v1/fl/trainings', body) }, payload: body })
    expect(res.json<{ error: { code: string } }>().error.code).toBe('ACCOUNT_NOT_FOUND')
  })
})

describe('federated work refusals (node side)', () => {
  let t: TestHub
  const owner = generateIdentity('account')
  const [n0, n1, n2] = [generateIdentity('node'), generateIdentity('node'), generateIdentity('node')]
  const client = (as?: Identity) => new HubClient({ url: INJECT_URL, fetch: injectFetch(t.hub.app), ...(as === undefined ? {} : { identity: as }) })

  beforeAll(async () => {
    t = await startTestHub('pglite', { listen: false })
    await client(owner).createAccount()
    await client().registerNode({ ...sampleRegistration(), datasets: [dataset('d-0')] } as never, n0)
    await client().registerNode({ ...sampleRegistration(), datasets: [dataset('d-1')] } as never, n1)
    await client().registerNode({ ...sampleRegistration(), datasets: [dataset('d-2')] } as never, n2)
  })
  afterAll(async () => t?.close())

  it('gives a node only its own work, once; a second answer or an answer to other work is FL_WORK_LOST', async () => {
    const work0 = new FederatedWorkClient(client(), n0)
    const work1 = new FederatedWorkClient(client(), n1)
    // Nodes registered without a heartbeat are not online, so nothing is handed out.
    await new FederatedClient(client(owner)).create(config({ datasets: ['d-0', 'd-1', 'd-2'], evaluation: undefined }))
    expect(await work0.claim({ datasets: ['d-0'] })).toEqual([])
    expect(await codeOf(work1.reply('flw_000000000000000000000000', { outcome: 'ok' }))).toBe('FL_WORK_LOST')
    expect(await codeOf(work1.parameters('flw_000000000000000000000000'))).toBe('FL_WORK_LOST')
  })

  it('refuses parameters whose sizes do not match their bytes with FL_BAD_UPDATE', async () => {
    const work0 = new FederatedWorkClient(client(), n0)
    const bad = { ...encodeParameters([new Float32Array(4)]), sizes: [5] }
    expect(await codeOf(work0.reply('flw_000000000000000000000000', { outcome: 'ok', numExamples: 1, parameters: bad }))).toBe('FL_BAD_UPDATE')
    const notBase64 = { sizes: [1], data: '!!!!' }
    expect(await codeOf(work0.reply('flw_000000000000000000000000', { outcome: 'ok', numExamples: 1, parameters: notBase64 }))).toBe('FL_BAD_UPDATE')
  })

  it('refuses claims and answers signed by an account, not a node', async () => {
    expect(await codeOf(new FederatedWorkClient(client(), owner).claim({ datasets: ['d-0'] }))).toBe('NODE_NOT_REGISTERED')
  })
})
