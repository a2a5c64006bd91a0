/**
 * `w3ai app run LISTING --param k=v`: the recommender app listed on a hub in this process (real
 * storage nodes), launched by a user on a generated shop and on their own purchase history stored
 * in W3S; its params bound by @w3ai/market (MARKET_INVALID_PARAM before anything runs), the trained
 * model stored under the user's account. And the mapping of `job` templates to a job submission.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { storyBackends } from '@w3ai/hub/testing'
import { generateShop, onnxSignature, RECOMMENDER_TEMPLATE, validateTemplate } from '@w3ai/market'
import { W3aiError, type Listing } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStorageNet, type StorageNet } from '../../hub/test/storage-net.js'
import { jobBody, templateOf, type BuiltinResult } from '../src/commands/app.js'
import { parseJson, tempHome, w3aiInProcess, type RunResult } from './helpers.js'

type Home = Awaited<ReturnType<typeof tempHome>>
type AppResult = BuiltinResult & { listingId: string; params: Record<string, unknown> }

const APP_CARD = {
  kind: 'app',
  template: RECOMMENDER_TEMPLATE,
  intendedUse: 'Personalized product recommendations for a shop, trained on its purchase history',
}

describe('app templates as jobs', () => {
  const template = validateTemplate({
    runnable: { kind: 'job', executor: 'train', spec: { layers: [{ type: 'dense', units: 2 }], epochs: 5 } },
    params: [
      { name: 'dataset', type: 'cid' },
      { name: 'epochs', type: 'int', default: 5, min: 1, max: 50 },
    ],
  })
  const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

  it('makes cid params the inputs and joins the others to the fixed spec (train: the layer spec)', () => {
    const runnable = template.runnable as Extract<typeof template.runnable, { kind: 'job' }>
    expect(jobBody(runnable, { dataset: CID, epochs: 12 }, template)).toEqual({ executor: 'train', inputs: { dataset: CID }, params: { spec: { layers: [{ type: 'dense', units: 2 }], epochs: 12 } } })
    const wasm = validateTemplate({ runnable: { kind: 'job', executor: 'wasm' }, params: [{ name: 'module', type: 'cid' }, { name: 'input', type: 'cid' }] })
    expect(jobBody(wasm.runnable as Extract<typeof wasm.runnable, { kind: 'job' }>, { module: CID, input: CID }, wasm)).toEqual({ executor: 'wasm', inputs: { module: CID, input: CID } })
  })

  it('runs only app listings with a template', () => {
    const listing = { id: 'l_00000000000000000000', kind: 'dataset', card: {} } as unknown as Listing
    expect(() => templateOf(listing)).toThrow(expect.objectContaining({ code: 'CLI_BAD_ARGUMENT' }) as W3aiError)
    expect(() => templateOf({ ...listing, kind: 'app', card: { kind: 'app', template: { runnable: { kind: 'script' } } } })).toThrow(expect.objectContaining({ code: 'MARKET_INVALID_CARD' }) as W3aiError)
  })
})

describe.each(storyBackends())('w3ai app run on %s', (backend) => {
  let net: StorageNet
  let sellerHome: Home
  let userHome: Home
  let app: Listing
  const as = (home: Home) => (...args: string[]) => w3aiInProcess([...args, '--home', home.path, '--hub', net.t.hub.url])
  const sell = (...args: string[]) => as(sellerHome)(...args)
  const user = (...args: string[]) => as(userHome)(...args)
  const ok = <T>(r: RunResult): T => {
    expect(r.code, r.stdout + r.stderr).toBe(0)
    return parseJson<T>(r.stdout)
  }
  const refused = (r: RunResult, code: string, exit = 1): string => {
    expect(r.code, r.stdout + r.stderr).toBe(exit)
    const { error } = parseJson<{ error: { code: string; message: string } }>(r.stdout)
    expect(error.code, error.message).toBe(code)
    return error.message
  }

  beforeAll(async () => {
    net = await startStorageNet(backend, 3)
    sellerHome = await tempHome('w3ai-app-seller-')
    userHome = await tempHome('w3ai-app-user-')
    ok(await sell('account', 'create', '--name', 'seller', '--json'))
    ok(await user('account', 'create', '--name', 'shop', '--json'))
    await writeFile(join(sellerHome.path, 'card.json'), JSON.stringify(APP_CARD))
    await writeFile(join(sellerHome.path, 'README.md'), '# Recommender\nRun it with `w3ai app run`.\n')
    app = ok<Listing>(
      await sell('market', 'publish', '--kind', 'app', '--file', join(sellerHome.path, 'README.md'), '--card', join(sellerHome.path, 'card.json'),
        '--title', 'Shop recommender', '--licence', 'Apache-2.0', '--access', 'download', '--price', '1', '--tags', 'retail,recommender', '--json'),
    )
  }, 180_000)

  afterAll(async () => {
    await net?.close()
    await Promise.all([sellerHome?.remove(), userHome?.remove()])
  }, 60_000)

  it('trains the recommender on a generated shop, beats the popularity baseline and stores the ONNX model under your account', async () => {
    const shown = await user('market', 'show', app.id)
    expect(shown.stdout).toContain('runnable    builtin recommender')
    expect(shown.stdout).toMatch(/param {7}k: int = 10/)
    const r = ok<AppResult>(await user('app', 'run', app.id, '--param', 'seed=3', '--param', 'users=400', '--param', 'items=100', '--param', 'categories=8', '--json'))
    expect(r.params).toMatchObject({ seed: 3, users: 400, items: 100, categories: 8, k: 10, neighbours: 0 })
    expect(r.report).toMatchObject({ users: 400, items: 100, k: 10 })
    expect(r.report.heldOut).toBeGreaterThan(0)
    expect(r.report.recall).toBeGreaterThan(r.report.baselineRecall)
    expect(r.metrics.map((m) => m.name)).toEqual(['recall@10', 'recall@10 popularity baseline', 'lift over popularity'])
    expect(r.model).toMatch(/^b/)
    expect(r.deployment).toBeNull()
    const target = join(userHome.path, 'model.onnx')
    ok(await user('storage', 'get', r.model as string, '-o', target, '--json'))
    expect(onnxSignature(await readFile(target))).toEqual({ inputs: [{ name: 'purchases', type: 'float32', shape: ['batch', 100] }], outputs: [{ name: 'scores', type: 'float32', shape: ['batch', 100] }] })
    const human = await user('app', 'run', app.id, '--param', 'users=100', '--param', 'items=30', '--param', 'categories=3', '--no-store')
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/^recall@10 {3}\d\.\d{4} {2}\(popularity baseline/m)
    expect(human.stdout).toContain('not stored (--no-store)')
    expect(human.stderr).toContain('training the recommender on a generated shop')
  })

  it('trains on your own purchase history read from W3S', async () => {
    const shop = generateShop({ seed: 5, users: 200, items: 50, categories: 5 })
    const csv = ['user,item', ...shop.purchases.map((p) => `c${p.user},sku-${p.item}`)].join('\n')
    await writeFile(join(userHome.path, 'history.csv'), csv)
    const stored = ok<{ cid: string }>(await user('storage', 'put', join(userHome.path, 'history.csv'), '--json'))
    const r = ok<AppResult>(await user('app', 'run', app.id, '--param', `history=${stored.cid}`, '--param', 'k=5', '--no-store', '--json'))
    expect(r.params).toMatchObject({ history: stored.cid, k: 5 })
    expect(r.report).toMatchObject({ users: 200, purchases: shop.purchases.length, k: 5 })
    expect(r.report.data).toContain(stored.cid)
    expect(r.model).toBeNull()
  })

  it('refuses bad params before anything runs, with MARKET_INVALID_PARAM naming the param', async () => {
    const objects = async (): Promise<number> => parseJson<unknown[]>((await user('storage', 'ls', '--json')).stdout).length
    const before = await objects()
    expect(refused(await user('app', 'run', app.id, '--param', 'colour=red', '--json'), 'MARKET_INVALID_PARAM')).toMatch(/colour/)
    expect(refused(await user('app', 'run', app.id, '--param', 'users=many', '--json'), 'MARKET_INVALID_PARAM')).toMatch(/users/)
    expect(refused(await user('app', 'run', app.id, '--param', 'k=0', '--json'), 'MARKET_INVALID_PARAM')).toMatch(/at least 1/)
    refused(await user('app', 'run', app.id, '--param', 'k', '--json'), 'MARKET_INVALID_PARAM')
    refused(await user('app', 'run', app.id, '--param', 'k=3', '--param', 'k=4', '--json'), 'MARKET_INVALID_PARAM')
    refused(await user('app', 'run', app.id, '--param', 'history=not-a-cid', '--json'), 'MARKET_INVALID_PARAM')
    refused(await user('app', 'run', app.id, '--serve', '--no-store', '--json'), 'CLI_BAD_ARGUMENT', 2)
    refused(await user('app', 'run', 'l_00000000000000000000', '--json'), 'MARKET_LISTING_NOT_FOUND')
    refused(await user('app', 'run', 'recommender', '--json'), 'CLI_BAD_ARGUMENT', 2)
    const dataset = ok<Listing>(await sell('market', 'publish', '--kind', 'dataset', '--cid', app.versions[0]!.cid, '--title', 'Not an app', '--licence', 'MIT', '--access', 'download', '--price', '1', '--json'))
    expect(refused(await user('app', 'run', dataset.id, '--json'), 'CLI_BAD_ARGUMENT', 2)).toMatch(/not an app/)
    // Nothing was stored by the refused runs.
    expect(await objects()).toBe(before)
  })
})
