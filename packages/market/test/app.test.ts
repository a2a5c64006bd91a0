import { describe, expect, it } from 'vitest'
import { bindParams, parseParamArgs, validateTemplate, type AppTemplate } from '../src/index.js'
import { CID_A, refusal } from './helpers.js'

const template: AppTemplate = validateTemplate({
  runnable: { kind: 'job', executor: 'train', spec: { epochs: 5 } },
  params: [
    { name: 'epochs', type: 'int', default: 10, min: 1, max: 200, description: 'passes over the data' },
    { name: 'learningRate', type: 'number', default: 0.01, min: 0, max: 1 },
    { name: 'label', type: 'string', default: 'label' },
    { name: 'shuffle', type: 'bool', default: true },
    { name: 'dataset', type: 'cid' },
    { name: 'init', type: 'cid', optional: true },
  ],
})

describe('binding params', () => {
  it('parses each by its type and fills defaults', () => {
    expect(bindParams(template, { epochs: '25', learningRate: '1e-3', shuffle: 'false', dataset: CID_A })).toEqual({
      epochs: 25, learningRate: 0.001, label: 'label', shuffle: false, dataset: CID_A,
    })
  })

  it.each([
    ['an unknown param', { dataset: CID_A, epoch: '3' }, 'epoch'],
    ['a missing required param', {}, 'dataset'],
    ['an int that is not whole', { dataset: CID_A, epochs: '2.5' }, 'epochs'],
    ['an int below its min', { dataset: CID_A, epochs: '0' }, 'epochs'],
    ['an int above its max', { dataset: CID_A, epochs: '201' }, 'epochs'],
    ['a number that is not one', { dataset: CID_A, learningRate: 'fast' }, 'learningRate'],
    ['a number that is Infinity', { dataset: CID_A, learningRate: 'Infinity' }, 'learningRate'],
    ['a bool that is not true or false', { dataset: CID_A, shuffle: 'yes' }, 'shuffle'],
    ['a CID that is not one', { dataset: 'not-a-cid' }, 'dataset'],
    ['a string with a control character', { dataset: CID_A, label: 'a\u0001' }, 'label'],
  ])('refuses %s with MARKET_INVALID_PARAM naming it', (_name, raw, param) => {
    const r = refusal(() => bindParams(template, raw))
    expect(r).toMatchObject({ code: 'MARKET_INVALID_PARAM', field: `param ${param}` })
    expect(r?.message).toContain(param)
  })

  it('reads --param k=v arguments, values may hold =', () => {
    expect(parseParamArgs(['epochs=3', 'label=a=b', 'init='])).toEqual({ epochs: '3', label: 'a=b', init: '' })
    expect(refusal(() => parseParamArgs(['epochs']))).toMatchObject({ code: 'MARKET_INVALID_PARAM', field: 'param epochs' })
    expect(refusal(() => parseParamArgs(['=3']))).toMatchObject({ code: 'MARKET_INVALID_PARAM' })
    expect(refusal(() => parseParamArgs(['epochs=3', 'epochs=4']))).toMatchObject({ code: 'MARKET_INVALID_PARAM', field: 'param epochs' })
  })
})

describe('a template', () => {
  it('names a job executor, a pipeline, a federated training or a builtin app', () => {
    for (const runnable of [{ kind: 'job', executor: 'onnx' }, { kind: 'pipeline', spec: { sigmoid: 'poly' } }, { kind: 'federated' }, { kind: 'builtin', name: 'recommender' }]) {
      expect(validateTemplate({ runnable, params: [] }).runnable).toEqual(runnable)
    }
  })

  it.each([
    ['an unknown runnable kind', { runnable: { kind: 'script' }, params: [] }, 'template.runnable.kind'],
    ['an unknown executor', { runnable: { kind: 'job', executor: 'bash' }, params: [] }, 'template.runnable.executor'],
    ['a spec that is not an object', { runnable: { kind: 'pipeline', spec: [1] }, params: [] }, 'template.runnable.spec'],
    ['a bad param name', { runnable: { kind: 'federated' }, params: [{ name: 'Rounds', type: 'int' }] }, 'template.params[0].name'],
    ['an unknown param type', { runnable: { kind: 'federated' }, params: [{ name: 'rounds', type: 'float' }] }, 'template.params[0].type'],
    ['a repeated param', { runnable: { kind: 'federated' }, params: [{ name: 'r', type: 'int' }, { name: 'r', type: 'int' }] }, 'template.params[1].name'],
    ['a default of the wrong type', { runnable: { kind: 'federated' }, params: [{ name: 'r', type: 'int', default: '3' }] }, 'template.params[0].default'],
    ['a default outside its bounds', { runnable: { kind: 'federated' }, params: [{ name: 'r', type: 'int', default: 0, min: 1 }] }, 'template.params[0].default'],
    ['min above max', { runnable: { kind: 'federated' }, params: [{ name: 'r', type: 'int', min: 5, max: 1 }] }, 'template.params[0].min'],
    ['bounds on a string', { runnable: { kind: 'federated' }, params: [{ name: 's', type: 'string', max: 3 }] }, 'template.params[0].max'],
  ])('is refused with MARKET_INVALID_CARD for %s', (_name, value, field) => {
    expect(refusal(() => validateTemplate(value))).toMatchObject({ code: 'MARKET_INVALID_CARD', field })
  })
})
