import { describe, expect, it } from 'vitest'
import { W3aiError, type ErrorCode } from '@w3ai/protocol'
import { OrderVerifier, decodeOrderHeader, encodeOrderHeader } from '../src/orders.js'
import { TestNetwork, cidOf } from './pieces-kit.js'

const NODE = 'n_00000000000000000001'

function codeOf(fn: () => unknown): ErrorCode | 'ok' {
  try {
    fn()
    return 'ok'
  } catch (err) {
    if (err instanceof W3aiError) return err.code
    throw err
  }
}

describe('piece orders', () => {
  const net = new TestNetwork()

  it('round-trips the header encoding', async () => {
    const signed = net.order({ action: 'get', pieceCid: await cidOf(Buffer.from('x')), nodeId: NODE })
    expect(decodeOrderHeader(encodeOrderHeader(signed))).toEqual(signed)
    expect(codeOf(() => decodeOrderHeader(['a', 'b']))).toBe('STORAGE_ORDER_INVALID')
    expect(codeOf(() => decodeOrderHeader('A'.repeat(20_000)))).toBe('STORAGE_ORDER_INVALID')
  })

  it('spends put and delete serials, forgets them once their orders expire, and can give one back', async () => {
    let now = 1_000_000
    const verifier = new OrderVerifier({ nodeId: () => NODE, orderKey: () => net.orderKey, now: () => now })
    const cid = await cidOf(Buffer.from('piece'))
    const put = encodeOrderHeader(net.order({ action: 'put', pieceCid: cid, nodeId: NODE, expiresAt: now + 10_000 }))
    const order = verifier.verify(put, 'put', cid)
    expect(codeOf(() => verifier.verify(put, 'put', cid))).toBe('STORAGE_ORDER_INVALID')
    verifier.release(order)
    expect(codeOf(() => verifier.verify(put, 'put', cid))).toBe('ok')

    const audit = encodeOrderHeader(net.order({ action: 'audit', pieceCid: cid, nodeId: NODE, expiresAt: now + 10_000 }))
    for (let i = 0; i < 3; i++) verifier.verify(audit, 'audit', cid)
    expect(verifier.spentCount).toBe(1)

    now += 10_000
    expect(codeOf(() => verifier.verify(put, 'put', cid))).toBe('STORAGE_ORDER_EXPIRED')
    const later = encodeOrderHeader(net.order({ action: 'delete', pieceCid: cid, nodeId: NODE, expiresAt: now + 10_000 }))
    verifier.verify(later, 'delete', cid)
    expect(verifier.spentCount).toBe(1)
  })
})
