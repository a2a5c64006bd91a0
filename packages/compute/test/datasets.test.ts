import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { executorErrorCode } from '../src/errors.js'
import { parseCsv } from '../src/train/csv.js'
import { parseIdx } from '../src/train/idx.js'
import { idxUbyte } from './helpers/idx.js'

const csv = (text: string) => new TextEncoder().encode(text)

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return executorErrorCode(error)
  }
  return undefined
}

describe('CSV datasets', () => {
  it('reads headerless numeric CSV with the label last', () => {
    const d = parseCsv(csv('1,2,0\n3,4,1\r\n\n'))
    expect(d).toMatchObject({ count: 2, featureCount: 2, sampleShape: [2] })
    expect(Array.from(d.features)).toEqual([1, 2, 3, 4])
    expect(Array.from(d.labels)).toEqual([0, 1])
    expect(d.classes).toBeUndefined()
  })

  it('detects a header and takes the label column by name, mapping text labels to sorted class ids', () => {
    const d = parseCsv(csv('species,len,width\nsetosa,1,2\nvirginica,3,4\nsetosa,5,6\n'), { labelColumn: 'species' })
    expect(d.count).toBe(3)
    expect(Array.from(d.features)).toEqual([1, 2, 3, 4, 5, 6])
    expect(d.classes).toEqual(['setosa', 'virginica'])
    expect(Array.from(d.labels)).toEqual([0, 1, 0])
  })

  it('takes the label by index (negative from the end), other delimiters, quoted fields and gzip', () => {
    const d = parseCsv(gzipSync(csv('"a";"b";"c"\n7;1;2\n8;3;4\n')), { labelColumn: 0, delimiter: ';' })
    expect(Array.from(d.labels)).toEqual([7, 8])
    expect(Array.from(d.features)).toEqual([1, 2, 3, 4])
    expect(Array.from(parseCsv(csv('1,2,3\n4,5,6'), { labelColumn: -2, header: false }).labels)).toEqual([2, 5])
  })

  it('reads a scikit-learn header (count, features, class names) narrower than the rows', () => {
    const d = parseCsv(csv('2,2,malignant,benign\n5.1,3.5,2.5,0\n4.9,3.0,2.5,1\n'))
    expect(d.featureCount).toBe(3)
    expect(d.count).toBe(2)
    expect(Array.from(d.labels)).toEqual([0, 1])
  })

  it('refuses a missing label column, an out-of-range index and single-column files', () => {
    expect(code(() => parseCsv(csv('a,b\n1,2\n'), { labelColumn: 'c' }))).toBe('COMPUTE_BAD_DATASET')
    expect(code(() => parseCsv(csv('1,2\n'), { labelColumn: 5 }))).toBe('COMPUTE_BAD_DATASET')
    expect(code(() => parseCsv(csv('1\n2\n')))).toBe('COMPUTE_BAD_DATASET')
    expect(code(() => parseCsv(csv('a,b\n')))).toBe('COMPUTE_BAD_DATASET')
  })
})

describe('IDX datasets', () => {
  const images = idxUbyte([3, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255])
  const labels = idxUbyte([3], [1, 0, 2])

  it('reads images and labels, plain or gzipped', () => {
    for (const [x, y] of [[images, labels], [gzipSync(images), gzipSync(labels)]] as const) {
      const d = parseIdx(x, y)
      expect(d).toMatchObject({ count: 3, featureCount: 4, sampleShape: [2, 2] })
      expect(d.features[11]).toBe(255)
      expect(Array.from(d.labels)).toEqual([1, 0, 2])
    }
  })

  it('refuses truncated files, bad magic and mismatched counts', () => {
    expect(code(() => parseIdx(images.slice(0, -1), labels))).toBe('COMPUTE_BAD_DATASET')
    expect(code(() => parseIdx(csv('hello world'), labels))).toBe('COMPUTE_BAD_DATASET')
    expect(code(() => parseIdx(images, idxUbyte([2], [0, 1])))).toBe('COMPUTE_BAD_DATASET')
  })
})
