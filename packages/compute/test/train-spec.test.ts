import { describe, expect, it } from 'vitest'
import { executorErrorCode } from '../src/errors.js'
import { validateTrainSpec } from '../src/train/spec.js'
import { train } from '../src/train/trainer.js'

const GOOD = {
  inputShape: [4],
  layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 3, activation: 'softmax' }],
  optimizer: { type: 'adam' },
  loss: 'sparseCategoricalCrossentropy',
  epochs: 1,
}

function refusal(spec: unknown): { code: string | undefined; message: string } {
  try {
    validateTrainSpec(spec)
  } catch (error) {
    return { code: executorErrorCode(error), message: (error as Error).message }
  }
  return { code: undefined, message: '' }
}

const csv = (text: string) => new TextEncoder().encode(text)

async function trainRefusal(spec: unknown, text: string): Promise<{ code: string | undefined; message: string }> {
  try {
    await train({ spec, dataset: { format: 'csv', bytes: csv(text) } })
  } catch (error) {
    return { code: executorErrorCode(error), message: (error as Error).message }
  }
  return { code: undefined, message: '' }
}

describe('training spec validation', () => {
  it('accepts a well-formed spec', () => {
    expect(refusal(GOOD).code).toBeUndefined()
  })

  it('refuses an unknown layer type and lists the known ones', () => {
    const r = refusal({ ...GOOD, layers: [{ type: 'lstm', units: 4 }, ...GOOD.layers] })
    expect(r.code).toBe('COMPUTE_BAD_SPEC')
    expect(r.message).toMatch(/layers\[0\]: unknown layer type "lstm"; use one of dense, conv2d/)
  })

  it('refuses negative units and names the field', () => {
    const r = refusal({ ...GOOD, layers: [{ type: 'dense', units: -3 }, ...GOOD.layers] })
    expect(r.code).toBe('COMPUTE_BAD_SPEC')
    expect(r.message).toMatch(/layers\[0\]\.units/)
  })

  it('refuses a missing inputShape', () => {
    const { inputShape: _omit, ...rest } = GOOD
    const r = refusal(rest)
    expect(r.code).toBe('COMPUTE_BAD_SPEC')
    expect(r.message).toMatch(/spec\.inputShape/)
  })

  it('refuses an unknown optimizer', () => {
    const r = refusal({ ...GOOD, optimizer: { type: 'adagrad' } })
    expect(r.code).toBe('COMPUTE_BAD_SPEC')
    expect(r.message).toMatch(/spec\.optimizer\.type/)
  })

  it('refuses unknown fields, bad dropout rates and non-objects', () => {
    expect(refusal({ ...GOOD, learningRate: 0.1 }).code).toBe('COMPUTE_BAD_SPEC')
    expect(refusal({ ...GOOD, layers: [{ type: 'dropout', rate: 1 }, ...GOOD.layers] }).message).toMatch(/layers\[0\]\.rate/)
    expect(refusal('dense').code).toBe('COMPUTE_BAD_SPEC')
    expect(refusal({ ...GOOD, layers: [] }).code).toBe('COMPUTE_BAD_SPEC')
  })

  it('refuses a last layer that does not suit the loss', () => {
    expect(refusal({ ...GOOD, layers: [{ type: 'dense', units: 3, activation: 'relu' }] }).message).toMatch(/softmax/)
    expect(refusal({ ...GOOD, loss: 'binaryCrossentropy' }).message).toMatch(/1 unit and sigmoid/)
    expect(refusal({ ...GOOD, layers: [{ type: 'flatten' }] }).message).toMatch(/last layer must be dense/)
  })

  it('refuses layers that do not fit together once built', async () => {
    const conv = { ...GOOD, inputShape: [4, 4, 1], layers: [{ type: 'conv2d', filters: 2, kernelSize: 5 }, { type: 'flatten' }, GOOD.layers[1]] }
    const r = await trainRefusal(conv, '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,0')
    expect(r.code).toBe('COMPUTE_BAD_SPEC')
    expect(r.message).toMatch(/layers\[0\] \(conv2d\) would output shape \[0, 0, 2\]/)
    const noFlatten = { ...GOOD, inputShape: [4, 4, 1], layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }, GOOD.layers[1]] }
    expect((await trainRefusal(noFlatten, '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,0')).message).toMatch(/add a flatten layer/)
  })
})

describe('training data validation', () => {
  it('refuses malformed CSV with the row and column', async () => {
    expect(await trainRefusal(GOOD, '1,2,3,4,0\n1,2,3,0\n')).toMatchObject({ code: 'COMPUTE_BAD_DATASET', message: expect.stringMatching(/row 2 has 4 fields, expected 5/) })
    expect(await trainRefusal(GOOD, '1,2,3,4,0\n1,x,3,4,1\n')).toMatchObject({ code: 'COMPUTE_BAD_DATASET', message: expect.stringMatching(/row 2, column 2: "x" is not a number/) })
    expect((await trainRefusal(GOOD, '\n\n')).message).toMatch(/empty/)
    expect((await trainRefusal(GOOD, '1,2,3,4,,\n')).code).toBe('COMPUTE_BAD_DATASET')
    expect((await trainRefusal(GOOD, csv('1,2').slice(0, 0) as unknown as string)).code).toBe('COMPUTE_BAD_DATASET')
  })

  it('refuses gzip-looking bytes that do not inflate', async () => {
    await expect(train({ spec: GOOD, dataset: { format: 'csv', bytes: new Uint8Array([0x1f, 0x8b, 1, 2, 3]) } })).rejects.toThrow(/looks gzipped/)
  })

  it('refuses labels outside the classes and features that do not match inputShape', async () => {
    expect(await trainRefusal(GOOD, '1,2,3,4,0\n1,2,3,4,3\n')).toMatchObject({ code: 'COMPUTE_BAD_DATASET', message: expect.stringMatching(/Sample 2 has label 3/) })
    expect(await trainRefusal(GOOD, '1,2,3,0\n')).toMatchObject({ code: 'COMPUTE_SHAPE_MISMATCH' })
  })

  it('refuses an unknown dataset format', async () => {
    await expect(train({ spec: GOOD, dataset: { format: 'parquet' } as never })).rejects.toThrow(/Unknown dataset format "parquet"/)
  })
})
