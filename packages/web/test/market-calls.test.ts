/** Paid calls of a per-call model from the market tab: the deployment named, the inputs checked, and the card. */
import { Value } from '@sinclair/typebox/value'
import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { InferRequestSchema } from '@w3ai/protocol'
import { PaidCallCard } from '../src/components/market/PaidCallCard.js'
import { callOf, deploymentIn, exampleInputs } from '../src/market/calls.js'
import { MODEL_CARD, order } from './market-fixtures.js'

const D = 'd_0123456789abcdef01234567'

describe('paid calls', () => {
  it('finds the deployment a listing names, and makes zero inputs shaped as the card says', () => {
    expect(deploymentIn(`Served at ${D}, call it.`)).toBe(D)
    expect(deploymentIn('no deployment here d_123')).toBe('')
    const inputs = exampleInputs(MODEL_CARD as never)
    expect(inputs).toEqual({ x: { type: 'float32', dims: [1, 64], data: new Array(64).fill(0) } })
    expect(Value.Check(InferRequestSchema, { inputs })).toBe(true)
    expect(Object.keys(exampleInputs(null))).toEqual(['x'])
  })

  it('checks the deployment and the tensors before calling', () => {
    const inputs = JSON.stringify({ x: { type: 'float32', dims: [1, 2], data: [1, 2] } })
    expect(callOf(` ${D} `, inputs)).toEqual({ deploymentId: D, inputs: { x: { type: 'float32', dims: [1, 2], data: [1, 2] } } })
    expect(() => callOf('d_1', inputs)).toThrow(/d_ and 24 hex/)
    expect(() => callOf(D, '{')).toThrow(/not JSON/)
    expect(() => callOf(D, '{}')).toThrow(/named tensors/)
    expect(() => callOf(D, '{ "x": { "type": "float32" } }')).toThrow(/Input x/)
  })

  it('shows the allowance and the call form', () => {
    const active = order({ mode: 'per-call', status: 'active', allowance: { calls: 25, used: 3 } })
    const html = renderToStaticMarkup(createElement(PaidCallCard, { orders: [active], deployment: D, exampleInputs: '{}', onCall: () => new Promise<never>(() => undefined) }))
    expect(html).toContain('3 of 25 calls used')
    expect(html).toContain(`value="${D}"`)
    expect(html).toContain('data-testid="paid-call-submit"')
  })
})
