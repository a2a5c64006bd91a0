/** The node's CKKS encryptors: an update per round, the next one's randomness prepared meanwhile. */
import { addEncrypted, decryptMean, generateJobKeys } from '@w3ai/federated/he'
import { describe, expect, it } from 'vitest'
import { CkksUpdates } from '../src/federated/ckks-updates.js'

const params = (values: number[]) => [Float32Array.from(values.slice(0, 3)), Float32Array.from(values.slice(3))]

describe('CKKS updates on a node', () => {
  it('encrypts round after round under the owner key; the owner decrypts the weighted mean', async () => {
    const owner = await generateJobKeys()
    const other = await generateJobKeys()
    const errors: unknown[] = []
    const updates = new CkksUpdates((err) => errors.push(err))
    try {
      for (let round = 0; round < 3; round++) {
        const a = await updates.encrypt('t_a', owner.publicKey, params([1, 2, 3, 4, round]), 1)
        const b = await updates.encrypt('t_a', owner.publicKey, params([3, 4, 5, 6, round]), 3)
        const { mean, totalExamples, clients } = await decryptMean(owner.secretKey, await addEncrypted([a, b]))
        expect({ totalExamples, clients }).toEqual({ totalExamples: 4, clients: 2 })
        const flat = mean.flatMap((t) => Array.from(t))
        ;[2.5, 3.5, 4.5, 5.5, round].forEach((want, i) => expect(flat[i]).toBeCloseTo(want, 3))
      }
      // Another training (another owner key) gets its own encryptor; the first keeps working.
      const c = await updates.encrypt('t_b', other.publicKey, params([1, 1, 1, 1, 1]), 2)
      expect((await decryptMean(other.secretKey, c)).mean[0]?.[0]).toBeCloseTo(1, 3)
      const d = await updates.encrypt('t_a', owner.publicKey, params([2, 2, 2, 2, 2]), 2)
      expect((await decryptMean(owner.secretKey, d)).mean[1]?.[1]).toBeCloseTo(2, 3)
      expect(errors).toEqual([])
    } finally {
      await updates.close()
    }
  })
})
