import { describe, expect, it } from 'vitest'
import { canonicalJson, generateIdentity, signObject, verifyObject } from '../src/index.js'

function fromIeee754(hex: string): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setBigUint64(0, BigInt(`0x${hex}`))
  return view.getFloat64(0)
}

describe('canonicalJson (RFC 8785)', () => {
  it('serializes the RFC 8785 §3.2.2 example exactly', () => {
    // The RFC's input, parsed from its JSON text (the number literals are the point of the example).
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as unknown
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    )
  })

  it('sorts keys by UTF-16 code units (RFC 8785 §3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    }
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign",' +
        '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    )
  })

  // RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical spelling.
  const numbers: Array<[string, string]> = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ]
  it.each(numbers)('prints the number with bits %s as %s (Appendix B)', (bits, expected) => {
    expect(canonicalJson(fromIeee754(bits))).toBe(expected)
    expect(canonicalJson({ n: [fromIeee754(bits)] })).toBe(`{"n":[${expected}]}`)
  })

  it('refuses what JSON cannot hold exactly: NaN, Infinity, lone surrogates, BigInt, cycles, undefined', () => {
    expect(() => canonicalJson(fromIeee754('7fffffffffffffff'))).toThrow()
    expect(() => canonicalJson({ a: { b: fromIeee754('7ff0000000000000') } })).toThrow()
    expect(() => canonicalJson({ name: 'x\ud800' })).toThrow()
    expect(() => canonicalJson({ n: 1n })).toThrow()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = { back: cyclic }
    expect(() => canonicalJson(cyclic)).toThrow()
    expect(() => canonicalJson(undefined)).toThrow(TypeError)
  })

  it('leaves out undefined properties, as the object reads after a trip through JSON', () => {
    const value = { b: 1, a: undefined, c: { z: undefined, y: [1, 'two'] } }
    expect(canonicalJson(value)).toBe('{"b":1,"c":{"y":[1,"two"]}}')
    expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(canonicalJson(value))
  })

  it('sorts keys at every depth, inside arrays too, and keeps array order', () => {
    expect(canonicalJson({ b: { d: 1, c: [{ f: 1, e: 2 }, 3] }, a: null })).toBe('{"a":null,"b":{"c":[{"e":2,"f":1},3],"d":1}}')
  })
})

describe('signed objects', () => {
  const signer = generateIdentity('account')

  it('verify a nested object whatever the key order at every depth', () => {
    const body = { v: 1, transfer: { amount: 5, from: 'a_1', memo: { tags: ['x', { k: 1, j: 2 }], note: 'n' } }, at: 17 }
    const signature = signObject(signer, body)
    const reordered = { at: 17, transfer: { memo: { note: 'n', tags: ['x', { j: 2, k: 1 }] }, from: 'a_1', amount: 5 }, v: 1 }
    expect(verifyObject(signer.publicKey, reordered, signature)).toBe(true)
    expect(verifyObject(signer.publicKey, JSON.parse(JSON.stringify(reordered)) as object, signature)).toBe(true)
  })

  it('refuse a change at any depth, including array order', () => {
    const body = { v: 1, transfer: { amount: 5, memo: { tags: ['x', 'y'] } } }
    const signature = signObject(signer, body)
    expect(verifyObject(signer.publicKey, { v: 1, transfer: { amount: 6, memo: { tags: ['x', 'y'] } } }, signature)).toBe(false)
    expect(verifyObject(signer.publicKey, { v: 1, transfer: { amount: 5, memo: { tags: ['y', 'x'] } } }, signature)).toBe(false)
    expect(verifyObject(signer.publicKey, { v: 1, transfer: { amount: 5, memo: { tags: ['x', 'y'], extra: true } } }, signature)).toBe(false)
  })

  it('keep flat signatures from before (top-level keys sorted, JSON.stringify) valid', () => {
    const receipt = { v: 1, storedAt: 1_700_000_000_000, size: 42, pieceCid: 'bafk', nodeId: 'n_1', merkleRoot: 'ab'.repeat(32) }
    const legacy = JSON.stringify(Object.fromEntries(Object.keys(receipt).sort().map((k) => [k, receipt[k as keyof typeof receipt]])))
    expect(canonicalJson(receipt)).toBe(legacy)
  })

  it('verifyObject answers false, not throws, for an object that cannot be canonicalized or another key', () => {
    const signature = signObject(signer, { a: 1 })
    expect(verifyObject(signer.publicKey, { a: Number.NaN }, signature)).toBe(false)
    expect(verifyObject(generateIdentity('account').publicKey, { a: 1 }, signature)).toBe(false)
  })
})
