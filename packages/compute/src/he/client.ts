/**
 * The requester's side: it makes the keys, encrypts rows, and decrypts results. The secret key
 * never leaves it (evaluationKeys() carries parameters, key id and relinearization keys only);
 * exportSecret() is for the requester's own storage between encrypting and decrypting.
 *
 * Rows are encrypted with the secret key (SEAL's symmetric encryption, saved with its seed: half
 * the size of a public-key ciphertext), one ciphertext per feature and block of N/2 rows.
 */
import { createHash } from 'node:crypto'
import type { Decryptor } from 'node-seal/implementation/decryptor'
import type { Encryptor } from 'node-seal/implementation/encryptor'
import type { KeyGenerator } from 'node-seal/implementation/key-generator'
import type { PublicKey } from 'node-seal/implementation/public-key'
import type { SecretKey } from 'node-seal/implementation/secret-key'
import { W3aiError } from '@w3ai/protocol'
import { heContext, type HeContext } from './context.js'
import { heError } from './errors.js'
import { sigmoid, type HeModel } from './model.js'
import { heParamsFingerprint, heParamsHash, type HeParams } from './params.js'
import { checkSealObject, sealLoad } from './seal-object.js'
import { BATCH_MAGIC, blockCount, readPackCiphertexts, readPackHeader, readSecret, RESULT_MAGIC, writeKeys, writePack, writeSecret } from './wire.js'

/** The key id: SHA-256 (hex) over the parameters and the serialized public key. */
function keyIdOf(params: HeParams, publicKey: Uint8Array): string {
  return createHash('sha256').update('w3ai/he/key/v1\n').update(heParamsFingerprint(params)).update('\n').update(publicKey).digest('hex')
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && a.every((v, i) => v === b[i])

interface Keys {
  generator: KeyGenerator
  secretKey: SecretKey
  publicKey: PublicKey
  encryptor: Encryptor
  decryptor: Decryptor
}

export class HeClient {
  #ctx: HeContext
  #keys: Keys | undefined
  readonly #keyId: string
  readonly #publicKeyBytes: Uint8Array

  private constructor(ctx: HeContext, keys: Keys, publicKeyBytes: Uint8Array) {
    this.#ctx = ctx
    this.#keys = keys
    this.#publicKeyBytes = publicKeyBytes
    this.#keyId = keyIdOf(ctx.params, publicKeyBytes)
  }

  /** A client with fresh keys (SEAL draws them from the platform's CSPRNG); HE_BAD_PARAMS for bad parameters. */
  static async create(params: HeParams): Promise<HeClient> {
    const ctx = await heContext(params)
    const generator = ctx.seal.KeyGenerator(ctx.context)
    const secretKey = generator.secretKey()
    const publicKey = generator.createPublicKey()
    return new HeClient(ctx, HeClient.#keysOf(ctx, generator, secretKey, publicKey), publicKey.saveArray(ctx.seal.ComprModeType.none))
  }

  /** A client from exportSecret()'s bytes (same key id); HE_MALFORMED when they are not that. */
  static async importSecret(bytes: Uint8Array): Promise<HeClient> {
    const content = readSecret(bytes)
    const ctx = await heContext(content.params)
    checkSealObject(content.secretKey, { what: 'The secret key', lengths: [ctx.secretKeyBytes], parmsId: ctx.keyParmsIdValues })
    checkSealObject(content.publicKey, { what: 'The public key', lengths: [ctx.publicKeyBytes], parmsId: ctx.keyParmsIdValues })
    if (keyIdOf(ctx.params, content.publicKey) !== content.keyId) throw heError('HE_MALFORMED', 'The HE secret does not hold the key its id names.')
    const secretKey = ctx.seal.SecretKey()
    const publicKey = ctx.seal.PublicKey()
    try {
      sealLoad(() => secretKey.loadArray(ctx.context, content.secretKey), 'The secret key')
      sealLoad(() => publicKey.loadArray(ctx.context, content.publicKey), 'The public key')
    } catch (err) {
      secretKey.delete()
      publicKey.delete()
      throw err
    }
    const generator = ctx.seal.KeyGenerator(ctx.context, secretKey)
    return new HeClient(ctx, HeClient.#keysOf(ctx, generator, secretKey, publicKey), content.publicKey.slice())
  }

  static #keysOf(ctx: HeContext, generator: KeyGenerator, secretKey: SecretKey, publicKey: PublicKey): Keys {
    return { generator, secretKey, publicKey, encryptor: ctx.seal.Encryptor(ctx.context, publicKey, secretKey), decryptor: ctx.seal.Decryptor(ctx.context, secretKey) }
  }

  get #open(): Keys {
    if (this.#keys === undefined) throw new Error('this HeClient is closed')
    return this.#keys
  }

  /** SHA-256 (hex) of the parameters and the public key: batches, keys and results carry it. */
  get keyId(): string {
    return this.#keyId
  }

  get params(): HeParams {
    return this.#ctx.params
  }

  /** Rows per block (one ciphertext per feature and block). */
  get slots(): number {
    return this.#ctx.slots
  }

  /**
   * What the node needs besides the batch: parameters, key id and, unless `model` says it
   * multiplies no ciphertexts together, relinearization keys. No secret key, no public key.
   */
  evaluationKeys(model?: Pick<HeModel, 'needsRelinKeys'>): Uint8Array {
    const keys = this.#open
    const seal = this.#ctx.seal
    let relinKeys: Uint8Array | undefined
    if (model?.needsRelinKeys !== false) {
      const serializable = keys.generator.createRelinKeysSerializable()
      try {
        relinKeys = serializable.saveArray(seal.ComprModeType.none)
      } finally {
        serializable.delete()
      }
    }
    return writeKeys({ params: this.params, keyId: this.#keyId, relinKeys })
  }

  /** Encrypts `rows` (each `features` finite numbers) into a batch for evaluateHe. */
  encryptRows(rows: readonly ArrayLike<number>[], features: number): Uint8Array {
    const keys = this.#open
    const { seal, encoder, slots, scale } = this.#ctx
    if (!Number.isInteger(features) || features < 1) throw new W3aiError('VALIDATION_FAILED', `features must be a positive integer, not ${String(features)}.`)
    if (rows.length < 1) throw new W3aiError('VALIDATION_FAILED', 'There are no rows to encrypt.')
    rows.forEach((row, r) => {
      if (row.length !== features) throw heError('HE_SHAPE_MISMATCH', `Row ${r} has ${row.length} values; every row must have ${features}.`, { row: r, features: row.length, expected: features })
      for (let f = 0; f < features; f++) {
        if (!Number.isFinite(row[f])) throw new W3aiError('VALIDATION_FAILED', `Row ${r} holds a value that is not a finite number at feature ${f}.`, { row: r, feature: f })
      }
    })
    const column = new Float64Array(slots)
    const plain = seal.PlainText()
    const ciphertexts: Uint8Array[] = []
    try {
      for (let b = 0; b < blockCount(rows.length, slots); b++) {
        const start = b * slots
        const end = Math.min(rows.length, start + slots)
        for (let f = 0; f < features; f++) {
          column.fill(0)
          for (let r = start; r < end; r++) column[r - start] = rows[r]![f]!
          encoder.encode(column, scale, plain)
          const serializable = keys.encryptor.encryptSymmetricSerializable(plain)
          try {
            ciphertexts.push(serializable.saveArray(seal.ComprModeType.none))
          } finally {
            serializable.delete()
          }
        }
      }
    } finally {
      plain.delete()
    }
    return writePack(BATCH_MAGIC, { paramsHash: heParamsHash(this.params), keyId: this.#keyId, rows: rows.length, width: features }, ciphertexts)
  }

  /** Decrypts evaluateHe's result: per row its outputs (sigmoid applied when the model leaves it to the client). */
  decryptOutputs(bytes: Uint8Array, model: Pick<HeModel, 'outputs' | 'clientSigmoid'>): Float64Array[] {
    const keys = this.#open
    const ctx = this.#ctx
    const header = readPackHeader(bytes, RESULT_MAGIC, 'result')
    if (!sameBytes(header.paramsHash, heParamsHash(this.params))) throw heError('HE_PARAMS_MISMATCH', 'The result was computed with other HE parameters than this client uses.')
    if (header.keyId !== this.#keyId) throw heError('HE_KEY_MISMATCH', 'The result is encrypted under another key than this client holds.', { resultKeyId: header.keyId, keyId: this.#keyId })
    if (header.width !== model.outputs) throw heError('HE_SHAPE_MISMATCH', `The result has ${header.width} outputs per row; the model has ${model.outputs}.`, { outputs: header.width, expected: model.outputs })
    const ciphertexts = readPackCiphertexts(bytes, header, ctx.slots, 'result')
    const last = ctx.levels[ctx.levels.length - 1]!
    const rows = Array.from({ length: header.rows }, () => new Float64Array(header.width))
    const cipher = ctx.seal.CipherText()
    const plain = ctx.seal.PlainText()
    try {
      ciphertexts.forEach((ct, k) => {
        const block = Math.floor(k / header.width)
        const output = k % header.width
        const what = `Output ${output} of block ${block}`
        checkSealObject(ct, { what, lengths: [last.ciphertextBytes], parmsId: last.parmsIdValues, ciphertext: true, details: { block, output } })
        sealLoad(() => cipher.loadArray(ctx.context, ct), what, { block, output })
        keys.decryptor.decrypt(cipher, plain)
        const values = ctx.encoder.decode(plain)
        const start = block * ctx.slots
        const end = Math.min(header.rows, start + ctx.slots)
        for (let r = start; r < end; r++) rows[r]![output] = model.clientSigmoid ? sigmoid(values[r - start]!) : values[r - start]!
      })
    } finally {
      cipher.delete()
      plain.delete()
    }
    return rows
  }

  /** The secret key, public key and parameters, for the requester's own storage (importSecret reads it). Never send it. */
  exportSecret(): Uint8Array {
    const keys = this.#open
    const none = this.#ctx.seal.ComprModeType.none
    return writeSecret({ params: this.params, keyId: this.#keyId, secretKey: keys.secretKey.saveArray(none), publicKey: this.#publicKeyBytes })
  }

  /** Frees the keys (WASM memory); idempotent. The shared parameter context stays. */
  close(): void {
    const keys = this.#keys
    if (keys === undefined) return
    this.#keys = undefined
    keys.encryptor.delete()
    keys.decryptor.delete()
    keys.publicKey.delete()
    keys.secretKey.delete()
    keys.generator.delete()
  }
}
