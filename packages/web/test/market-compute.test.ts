/**
 * Compute-to-data in the market tab: the buyer's training job on a compute-only order (the hub's
 * schema takes it), the sealed result opened in the page exactly as @w3ai/crypto seals it (and not
 * for another job or identity), and the cards the buyer and the seller act on.
 */
import { Value } from '@sinclair/typebox/value'
import { createElement, type FunctionComponent } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import * as nodeCrypto from '@w3ai/crypto'
import { JobSubmitSchema } from '@w3ai/protocol'
import { ComputeRunCard } from '../src/components/market/ComputeRunCard.js'
import { KeyRequests } from '../src/components/market/KeyRequests.js'
import { computeJobOf, exampleSpec } from '../src/market/compute.js'
import { isSealedResult, openJobResult } from '../src/market/seal.js'
import { importIdentity } from '../src/storage/identity.js'
import { CID, DATASET_CARD, order } from './market-fixtures.js'

const render = <P extends object>(component: FunctionComponent<P>, props: P): string => renderToStaticMarkup(createElement(component, props))
const never = (): Promise<never> => new Promise(() => undefined)
const identityOf = (node: nodeCrypto.Identity) => importIdentity(JSON.stringify(nodeCrypto.identityToFile(node)))
const JOB_ID = 'j_0123456789abcdef01234567'
const active = order({ mode: 'compute-only', status: 'active', cid: CID })

describe('training on a compute-only purchase', () => {
  it("names the order, reads its data as the dataset input and seals the result to the buyer", () => {
    const node = nodeCrypto.generateIdentity('account')
    const job = computeJobOf(active, JSON.stringify(exampleSpec(DATASET_CARD as never)), node.encryptionKey)
    expect(job).toMatchObject({ executor: 'train', inputs: { dataset: CID }, order: active.id, sealTo: node.encryptionKey })
    expect((job.params as { spec: { inputShape: number[] } }).spec.inputShape).toEqual([2])
    expect(Value.Check(JobSubmitSchema, job)).toBe(true)
  })

  it('refuses a spec that is not a JSON object, and an order that is not an active compute-only one', () => {
    const key = nodeCrypto.generateIdentity('account').encryptionKey
    expect(() => computeJobOf(active, '{ nope', key)).toThrow(/not JSON/)
    expect(() => computeJobOf(active, '[1]', key)).toThrow(/JSON object/)
    expect(() => computeJobOf({ ...active, status: 'fulfilled' }, '{}', key)).toThrow(/only an active compute-only order/)
    expect(() => computeJobOf(order(), '{}', key)).toThrow(/download order/)
  })
})

describe('sealed results in the page', () => {
  it('opens what @w3ai/crypto seals to the identity for the job, and nothing else', async () => {
    const node = nodeCrypto.generateIdentity('account')
    const identity = await identityOf(node)
    const result = { history: [{ epoch: 1, loss: 0.5, acc: 0.9 }], backend: 'cpu' }
    const sealed = nodeCrypto.sealResult(result, node.encryptionKey, JOB_ID)
    expect(isSealedResult(sealed)).toBe(true)
    expect(await openJobResult({ id: JOB_ID, result: sealed }, identity)).toEqual(result)
    // Another job's id, another identity, a flipped byte: one refusal.
    await expect(openJobResult({ id: 'j_ffffffffffffffffffffffff', result: sealed }, identity)).rejects.toThrow(/not sealed to your identity/)
    await expect(openJobResult({ id: JOB_ID, result: sealed }, await identityOf(nodeCrypto.generateIdentity('account')))).rejects.toThrow(/not sealed to your identity/)
    const ct = sealed.sealed.ct
    const tampered = { sealed: { ...sealed.sealed, ct: `${ct.slice(0, 10)}${ct[10] === 'A' ? 'B' : 'A'}${ct.slice(11)}` } }
    await expect(openJobResult({ id: JOB_ID, result: tampered }, identity)).rejects.toThrow(/not sealed to your identity/)
    // A plain result comes back as it is.
    expect(await openJobResult({ id: JOB_ID, result: { outputs: {} } }, identity)).toEqual({ outputs: {} })
  })
})

describe('compute cards', () => {
  it('offers the buyer a training spec to run on the data', () => {
    const html = render(ComputeRunCard, { orders: [active], exampleSpec: '{"epochs": 5}', sealTo: 'k', onRun: never, getJob: never, openResult: never })
    expect(html).toContain('data-testid="compute-spec"')
    expect(html).toContain('data-testid="compute-submit"')
    expect(html).toContain('You never hold the data or its key.')
    expect(html).not.toContain('compute-order')
  })

  it("lists the seller's key requests with the nodes the key goes to", () => {
    const request = { jobId: JOB_ID, orderId: active.id, executor: 'train', cid: CID, replicas: 1, candidates: [{ nodeId: 'n_0123456789abcdef0123', encryptionKey: 'x' }] }
    const html = render(KeyRequests, { requests: [request], error: null, titles: new Map([[active.listingId, 'Shop purchases']]), listingOf: () => active.listingId, onProvide: never })
    expect(html).toMatch(/data-testid="key-request" data-job-id="j_0123456789abcdef01234567" data-order-id="o_0123456789abcdef"/)
    expect(html).toContain('Shop purchases')
    expect(html).toContain('1 chosen node (n_01234567…)')
    expect(html).toContain('data-testid="key-request-provide"')
    expect(render(KeyRequests, { requests: [], error: null, titles: new Map(), listingOf: () => undefined, onProvide: never })).toContain('key-requests-empty')
  })
})
